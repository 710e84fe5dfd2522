/**
 * Figures the CDK app and the runtime must agree on, each the default of a context key and of the
 * environment variable the runtime reads (docs/settings/). Change one here and both sides follow.
 */

/** The nodes' WebSocket port: node `PORT`, agent `WS_PORT`, context `wsPort`. */
export const WS_PORT = 8080;

/** A node's connection cap: node `MAX_CONNECTIONS`, context `maxConnectionsPerNode`. */
export const MAX_CONNECTIONS_PER_NODE = 10_000;

/** Node ping interval, below every balancer's idle timeout: `PING_SECONDS`, context `pingSeconds`. */
export const PING_SECONDS = 25;

/** Drain window after SIGTERM, and the NLB's deregistration delay: `DRAIN_SECONDS`, context `drainSeconds`. */
export const DRAIN_SECONDS = 30;

/** Interval of a node's registry heartbeat (`HEARTBEAT_MS`); not a context key, the freshness window follows it. */
export const HEARTBEAT_MS = 2000;

/** An entry counts as fresh for this many heartbeats: one lost or late write does not drop a node. */
export const FRESHNESS_HEARTBEATS = 3;

/** A registry entry older than this is ignored by the auth service (`FRESHNESS_MS`): 6,000 ms. */
export const FRESHNESS_MS = FRESHNESS_HEARTBEATS * HEARTBEAT_MS;

/** Each auth instance re-reads the registry at most this often: `REGISTRY_CACHE_MS`, context `registryCacheMs`. */
export const REGISTRY_CACHE_MS = 1000;
