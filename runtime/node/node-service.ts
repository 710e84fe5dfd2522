import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { TOKEN_KEY_REFRESH_MS } from '../contract/token-key-refresh';
import { buildUrl } from '../contract/url';
import { type ClientPathStore, DynamoDbRegistry, isClientPathStore, type NodeRegistry } from '../registry';
import { secretSourceFromEnv } from '../shared/secret-source';
import { type KeyRingProvider, refreshingKeyRing } from '../token';
import type { NodeAppFactory } from './app';
import { EmfReporter } from './emf-metrics';
import { Heartbeat } from './heartbeat';
import { instanceIdentity } from './instance-identity';
import { NodeMetrics } from './metrics';
import { NodeServer } from './node-server';
import { nodeTls } from './node-tls';
import { PathWatch } from './path-watch';
import { publishName } from './public-name';
import type { NodeSettings } from './settings';

/** Listening on every address: the endpoint falls back to loopback (only the local cluster leaves it unset). */
const ANY_ADDRESS = new Set(['0.0.0.0', '::']);

export interface RunningNode {
  nodeId: string;
  endpoint: string;
  port: number;
  server: NodeServer;
  /** Moves clients off a path that is no longer current (absent when the registry keeps no path). */
  pathWatch?: PathWatch;
  /** Drain: mark draining in the registry, close clients over the drain window, deregister, stop. */
  drain(): Promise<void>;
  /** Stop at once (tests); clients see an abnormal close. */
  stop(): Promise<void>;
}

const DEREGISTER_TIMEOUT_MS = 500;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** Wires settings, keys, registry, server and heartbeat into one running node. */
export async function startNodeService(
  settings: NodeSettings,
  log: Logger,
  registry?: NodeRegistry,
  /** Where the current path is read. @default - the registry, when it keeps one */
  paths?: ClientPathStore,
  /** The in-process app (ignored with UPSTREAM_URL). @default the echo app */
  app?: NodeAppFactory,
): Promise<RunningNode> {
  const keys: KeyRingProvider = await refreshingKeyRing(
    secretSourceFromEnv(settings.TOKEN_SECRET_ARN, settings.TOKEN_SECRET_FILE, 'token secret'),
    TOKEN_KEY_REFRESH_MS,
    log,
  );
  const identity =
    settings.ENDPOINT_SOURCE === 'listen'
      ? undefined
      : await instanceIdentity(settings.ENDPOINT_SOURCE === 'imds-public' ? 'public' : 'private');
  const nodeId = settings.NODE_ID ?? identity?.nodeId ?? `${hostname()}-${process.pid}`;
  const certificate = await nodeTls(settings, log);
  const tls = certificate?.initial;
  const metrics = new NodeMetrics();
  const server = new NodeServer({
    nodeId,
    keys: keys.current,
    audiences: settings.TOKEN_AUDIENCE ? [nodeId, settings.TOKEN_AUDIENCE] : [nodeId],
    maxConnections: settings.MAX_CONNECTIONS,
    pingMs: settings.PING_SECONDS * 1000,
    maxPayloadBytes: settings.MAX_PAYLOAD_BYTES,
    maxBufferedBytes: settings.MAX_BUFFERED_BYTES,
    perMessageDeflate: settings.PERMESSAGE_DEFLATE,
    maxMessagesPerSecond: settings.MAX_MESSAGES_PER_SECOND,
    metrics,
    log,
    tls,
    ...(settings.UPSTREAM_URL
      ? { upstream: { url: settings.UPSTREAM_URL, connectTimeoutMs: settings.UPSTREAM_CONNECT_TIMEOUT_MS } }
      : { app }),
  });
  certificate?.onChange((next) => server.setCertificate(next));
  const port = await server.listen(settings.HOST, settings.PORT);
  const scheme = tls ? 'wss' : 'ws';
  const name =
    settings.DNS_HOSTED_ZONE_ID && settings.DNS_ZONE_NAME && identity
      ? await publishName({
          hostedZoneId: settings.DNS_HOSTED_ZONE_ID,
          zoneName: settings.DNS_ZONE_NAME,
          nodeId,
          address: identity.host,
          log,
        })
      : undefined;
  const host = name?.host ?? identity?.host ?? (ANY_ADDRESS.has(settings.HOST) ? '127.0.0.1' : settings.HOST);
  const endpoint = settings.NODE_ENDPOINT ?? buildUrl(scheme, host, port);
  const nodes =
    registry ??
    new DynamoDbRegistry({ tableName: settings.REGISTRY_TABLE, endpoint: settings.REGISTRY_ENDPOINT });
  // A private node is reached only through a balancer; `listen` is a node clients reach as it is (local).
  const publicEndpoint = settings.ENDPOINT_SOURCE === 'imds-private' ? undefined : endpoint;
  const heartbeat = new Heartbeat(
    nodes,
    () => ({
      nodeId,
      endpoint,
      ...(publicEndpoint ? { publicEndpoint } : {}),
      connections: server.openConnections,
      connectionsByPath: server.connectionsByPath(),
      capacity: settings.MAX_CONNECTIONS,
      state: server.draining ? 'draining' : 'active',
    }),
    settings.HEARTBEAT_MS,
    log,
  );
  await heartbeat.beat();
  heartbeat.start();
  const pathStore = paths ?? (isClientPathStore(nodes) ? nodes : undefined);
  const pathWatch = pathStore
    ? new PathWatch(pathStore, server, {
        intervalMs: settings.HEARTBEAT_MS,
        windowMs: settings.DRAIN_SECONDS * 1000,
        log,
      })
    : undefined;
  pathWatch?.start();
  const emf = settings.METRICS_FLEET
    ? new EmfReporter(
        metrics,
        () => server.openConnections,
        { fleet: settings.METRICS_FLEET, nodeId },
        log,
        settings.METRICS_SECONDS * 1000,
      )
    : undefined;
  emf?.start();
  log.info(
    { nodeId, endpoint, port, capacity: settings.MAX_CONNECTIONS, upstream: settings.UPSTREAM_URL },
    'listening',
  );

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      heartbeat.stop();
      pathWatch?.stop();
      emf?.stop();
      keys.stop();
      certificate?.stop();
      await server.close();
    })();
    return stopped;
  };
  const drain = async () => {
    if (server.draining) return;
    const started = Date.now();
    server.startDrain();
    pathWatch?.stop();
    log.info(
      { nodeId, connections: server.openConnections, windowSeconds: settings.DRAIN_SECONDS },
      'draining',
    );
    // The window is the whole budget (systemd and the balancer are told about it): the registry writes
    // run beside the closes, and a slow deregistration is cut short (the entry goes stale by itself).
    const marked = heartbeat.beat();
    // Draining, the node is handed out no more: its name goes now, beside the closes (remove never throws).
    const unnamed = name?.remove() ?? Promise.resolve();
    const windowMs = settings.DRAIN_SECONDS * 1000;
    // A sixth of the window (at most 1 s) is kept for deregistering, closing the server and the exit, and
    // for timers that fire late while thousands of close handshakes keep the event loop busy.
    await server.closeClients(windowMs - Math.min(1000, windowMs / 6));
    const closedMs = Date.now() - started;
    await marked;
    heartbeat.stop();
    await withTimeout(nodes.remove(nodeId), DEREGISTER_TIMEOUT_MS).catch((err: Error) =>
      log.warn({ err: err.message }, 'deregister failed'),
    );
    await withTimeout(unnamed, DEREGISTER_TIMEOUT_MS).catch(() =>
      log.warn(
        { event: 'dns_record_remove_slow', host: name?.host },
        'record removal still running; stopping',
      ),
    );
    const deregisteredMs = Date.now() - started;
    await stop();
    log.info({ nodeId, ms: Date.now() - started, closedMs, deregisteredMs }, 'drained');
  };
  return { nodeId, endpoint, port, server, pathWatch, drain, stop };
}
