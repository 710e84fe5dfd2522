import type { Server } from 'node:http';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { LoginLimitSettings } from '../auth/limits/login-limits';
import { createAuthHttpServer, listen } from '../auth/node-http-adapter';
import { authSettingsSchema } from '../auth/settings';
import { DEFAULT_ALLOWED_ORIGINS } from '../contract/cors';
import { PING_SECONDS, REGISTRY_CACHE_MS } from '../contract/defaults';
import { DEFAULT_NODE_CHOICE, type NodeChoiceRule, type Strategy } from '../contract/strategies';
import { buildUrl } from '../contract/url';
import type { Backend } from '../haproxy/render/backend';
import {
  type ClientPathStore,
  createDocumentClient,
  DynamoDbRegistry,
  type EmbeddedRegistry,
  startEmbeddedRegistry,
} from '../registry';
import { createLogger } from '../shared/log';
import { AuthInstances } from './auth-instances';
import { type LocalHaproxy, startLocalHaproxy } from './local-haproxy';
import { createLocalSecrets, LOCAL_LOGIN_LIMITS, type LocalSecrets, localAuthEnv } from './local-secrets';
import { currentNamespace } from './netns';
import { type NlbStandIn, startNlbStandIn } from './nlb';
import { startNlbFallback } from './nlb-fallback';
import { bundleNodeService } from './node-bundle';
import { healthOf } from './node-health';
import { NodeProcess, nodeStartTimeoutMs } from './node-process';
import { LocalOidcIssuer } from './oidc-issuer';
import { OneOperationAtATime } from './one-operation-at-a-time';
import { RunDir } from './run-dir';
import { RetireRefusedError, switchStep } from './switch-run';
import { type LocalCa, makeLocalCa } from './tls-ca';

export type LocalStrategy = 'direct' | 'haproxy' | 'nlb';

/**
 * Token audience behind either balancer, as the stack name is in AWS: every node accepts it whatever the strategy,
 * so tokens of both paths are accepted while a switch moves clients (decision 0125).
 */
const BALANCER_NAME = 'wslb-local';

export interface LocalClusterOptions {
  strategy: LocalStrategy;
  nodes: number;
  /** @default 15000 (a node process holds fewer than 20,000 files here) */
  maxConnectionsPerNode?: number;
  /** @default 1000 */
  heartbeatMs?: number;
  /** @default 3000: three missed heartbeats and a node is no longer offered */
  freshnessMs?: number;
  /** @default 3 */
  drainSeconds?: number;
  /** @default 25 */
  pingSeconds?: number;
  /** Independent auth handler instances, as Lambda execution environments. @default 1 */
  authInstances?: number;
  /** How often each auth instance re-reads the registry. @default 1000 */
  registryCacheMs?: number;
  /** How the auth service picks a node. @default 'p2c' */
  nodeChoice?: NodeChoiceRule;
  /** Add a user `bench` whose scrypt cost is this N (e.g. 16), for login bursts. @default - no bench user */
  benchUserScryptN?: number;
  /** A users file whose users may log in besides the demo user. @default none */
  usersFile?: string;
  /** `haproxy`: how many loopback source addresses (127.0.1.1, 127.0.1.2, …) HAProxy connects from. @default 2 */
  haproxySourceIps?: number;
  /**
   * An OIDC issuer whose ID tokens log in as `Authorization: Bearer`: `'local'` starts a stand-in issuer on
   * 127.0.0.1 (`cluster.oidcIssuer` mints tokens). @default none: built-in users only
   */
  oidc?: 'local' | OidcIssuerSettings;
  /** Origins a page may log in from (CORS, as the deployed Function URL allows them). @default ['*'] */
  allowedOrigins?: readonly string[];
  /** What one client and one username may spend on logins. @default LOCAL_LOGIN_LIMITS (out of reach) */
  loginLimits?: LoginLimitSettings;
  /** Log level of nodes and auth (their logs go to files in the run folder). @default 'info' */
  logLevel?: string;
  /** Start node processes with the V8 inspector on loopback (for heap measurements). @default false */
  inspectNodes?: boolean;
  /**
   * How long each node may take to listen and register.
   * @default nodeStartTimeoutMs(n) of runtime/local/node-process.ts for n nodes started at once
   */
  nodeStartTimeoutMs?: number;
  /**
   * Every path on wss with a CA made for this run (`cluster.tlsCaFile` is what clients trust): the nodes under
   * `direct`, the HAProxy under `haproxy`, and under `nlb` HAProxy in tcp mode terminating TLS as an NLB TLS
   * listener does. Not with a switch between `direct` and a balancer (the nodes would change). @default false
   */
  tls?: boolean;
  /** An in-process app (module or folder, as `--app` takes it) the nodes host instead of echo. @default echo */
  app?: string;
  /** Sidecar mode: every node pipes its clients to this loopback upstream (UPSTREAM_URL). @default none */
  upstreamUrl?: string;
}

/** An OIDC issuer the auth service trusts (OIDC_ISSUER, OIDC_AUDIENCE, OIDC_JWKS_URL). */
export interface OidcIssuerSettings {
  issuer: string;
  audience: string;
  jwksUrl?: string;
}

/** The options without a default stay optional. */
type NoDefault = 'benchUserScryptN' | 'usersFile' | 'oidc' | 'app' | 'upstreamUrl' | 'nodeStartTimeoutMs';

/** The options with every default filled in, once. */
export type ResolvedLocalOptions = Readonly<
  Required<Omit<LocalClusterOptions, NoDefault>> & Pick<LocalClusterOptions, NoDefault>
>;

/** Defaults for one machine: a short drain and a fast heartbeat, so tests and the demo move quickly. */
export function resolveLocalOptions(options: LocalClusterOptions): ResolvedLocalOptions {
  return {
    maxConnectionsPerNode: 15_000,
    heartbeatMs: 1000,
    freshnessMs: 3000,
    drainSeconds: 3,
    pingSeconds: PING_SECONDS,
    authInstances: 1,
    registryCacheMs: REGISTRY_CACHE_MS,
    nodeChoice: DEFAULT_NODE_CHOICE,
    haproxySourceIps: 2,
    loginLimits: LOCAL_LOGIN_LIMITS,
    logLevel: 'info',
    inspectNodes: false,
    tls: false,
    allowedOrigins: DEFAULT_ALLOWED_ORIGINS,
    ...withoutUndefined(options),
  };
}

const withoutUndefined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

export interface NodeCount {
  id: string;
  endpoint: string;
  connections: number;
  /** Open clients by the path their token was handed out for (empty for a node that did not answer). */
  connectionsByPath: Partial<Record<Strategy, number>>;
  state: string;
}

/** What stands between clients and nodes locally: nothing, the local HAProxy, or the NLB stand-in. */
type ClientPath =
  | { kind: 'direct' }
  | { kind: 'haproxy'; haproxy: LocalHaproxy }
  | { kind: 'nlb'; standIn: NlbStandIn };

/** What a stop must undo, last started first; each step runs even when an earlier one failed. */
class Undo {
  private readonly steps: (() => unknown)[] = [];
  push(step: () => unknown): void {
    this.steps.push(step);
  }
  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) await Promise.resolve(step()).catch(() => {});
  }
}

/**
 * The node processes of one cluster: started from one bundle against one registry, numbered node-1, node-2, …
 * `onExit` learns of every node that exits while the cluster runs.
 */
class LocalNodes {
  readonly list: NodeProcess[] = [];
  onExit: (node: NodeProcess) => void = () => {};
  private next = 1;

  constructor(
    private readonly o: ResolvedLocalOptions,
    private readonly dir: RunDir,
    private readonly bundle: string,
    private readonly registry: EmbeddedRegistry,
    private readonly secrets: LocalSecrets,
    /** The nodes serve wss with this certificate (`direct` with `tls`). */
    private readonly tls?: LocalCa,
  ) {}

  get running(): NodeProcess[] {
    return this.list.filter((n) => n.running);
  }

  /** One more node; `together` nodes (this one included) are being started at once, which widens its budget. */
  async start(together = 1): Promise<NodeProcess> {
    const nodeId = `node-${this.next++}`;
    const o = this.o;
    const node = await NodeProcess.start({
      bundle: this.bundle,
      nodeId,
      logFile: this.dir.file(`${nodeId}.log`),
      inspect: o.inspectNodes,
      startTimeoutMs: o.nodeStartTimeoutMs ?? nodeStartTimeoutMs(together),
      env: {
        TOKEN_SECRET_FILE: this.secrets.tokenSecretFile,
        REGISTRY_TABLE: this.registry.tableName,
        REGISTRY_ENDPOINT: this.registry.endpoint,
        MAX_CONNECTIONS: String(o.maxConnectionsPerNode),
        HEARTBEAT_MS: String(o.heartbeatMs),
        DRAIN_SECONDS: String(o.drainSeconds),
        PING_SECONDS: String(o.pingSeconds),
        LOG_LEVEL: o.logLevel,
        TOKEN_AUDIENCE: BALANCER_NAME,
        ...(this.tls ? { TLS_CERT_FILE: this.tls.certFile, TLS_KEY_FILE: this.tls.keyFile } : {}),
        ...(o.upstreamUrl ? { UPSTREAM_URL: o.upstreamUrl } : {}),
      },
    });
    this.list.push(node);
    void node.exited.then(() => this.onExit(node));
    return node;
  }

  stopAll(): Promise<unknown> {
    return Promise.all(this.list.map((n) => n.stop(5000)));
  }
}

/** Nodes as HAProxy's discovery sees them: the running ones (as DescribeInstances lists running instances). */
const backendsOf = (nodes: LocalNodes): Backend[] =>
  nodes.running.map((n) => ({ id: n.nodeId, host: '127.0.0.1', port: n.port }));

/** The loopback addresses HAProxy connects to nodes from: 127.0.1.1, 127.0.1.2, … */
const loopbackSources = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => `127.0.1.${i + 1}`);

/** The URL a balancer path hands out; none for `direct` (auth hands out nodes). */
const balancerUrl = (path: ClientPath): string | undefined =>
  path.kind === 'haproxy' ? path.haproxy.url : path.kind === 'nlb' ? path.standIn.url : undefined;

async function startClientPath(
  strategy: Strategy,
  o: ResolvedLocalOptions,
  dir: RunDir,
  nodes: LocalNodes,
  tls?: LocalCa,
): Promise<ClientPath> {
  if (strategy === 'haproxy') {
    const haproxy = await startLocalHaproxy({
      tlsCertFile: tls?.bundleFile,
      backends: backendsOf(nodes),
      sourceIps: loopbackSources(o.haproxySourceIps),
      logger: createLogger('wslb-haproxy-agent', 'info', pino.destination(dir.file('haproxy-agent.log'))),
    });
    return { kind: 'haproxy', haproxy };
  }
  if (strategy === 'nlb') {
    const namespace = currentNamespace();
    const log = createLogger('wslb-nlb', 'info', pino.destination(dir.file('nlb.log')));
    const delayMs = o.drainSeconds * 1000;
    // A kernel DNAT cannot terminate TLS; the NLB's TLS listener does, and so does HAProxy in tcp mode.
    const standIn = tls
      ? await startNlbFallback(delayMs, log, tls.bundleFile)
      : namespace
        ? await startNlbStandIn({
            namespace,
            // The stack's 10 s interval would keep a new node idle for 20 s; the thresholds stay the stack's.
            healthCheck: { intervalMs: 1000, timeoutMs: 500 },
            deregistrationDelayMs: delayMs,
            log,
          })
        : await startNlbFallback(delayMs, log);
    for (const n of nodes.running) standIn.register({ id: n.nodeId, host: '127.0.0.1', port: n.port });
    await standIn.whenHealthy(
      nodes.running.map((n) => n.nodeId),
      15_000,
    );
    return { kind: 'nlb', standIn };
  }
  return { kind: 'direct' };
}

const closed = new WeakSet<ClientPath>();

/** Stop a path's balancer once (a switch retires it early; the cluster's stop would close it again). */
async function closeClientPath(path: ClientPath): Promise<void> {
  if (closed.has(path)) return;
  closed.add(path);
  if (path.kind === 'haproxy') await path.haproxy.close();
  if (path.kind === 'nlb') await path.standIn.close();
}

/** The registry as the keeper of the current path (what the stack's custom resource writes in AWS). */
function pathStore(registry: EmbeddedRegistry, undo: Undo): ClientPathStore {
  const client = createDocumentClient(registry.endpoint);
  undo.push(() => client.destroy());
  return new DynamoDbRegistry({ tableName: registry.tableName, endpoint: registry.endpoint, client });
}

/** The auth service: its instances behind one Node HTTP server on loopback. */
interface AuthParts {
  instances: AuthInstances;
  server: Server;
  url: string;
}

/** Everything a running cluster holds; each part is stopped by the cluster's undo list. */
interface ClusterParts {
  dir: RunDir;
  registry: EmbeddedRegistry;
  secrets: LocalSecrets;
  fleet: LocalNodes;
  path: ClientPath;
  auth: AuthParts;
  oidcIssuer: LocalOidcIssuer | undefined;
  oidc: OidcIssuerSettings | undefined;
  paths: ClientPathStore;
  tls: LocalCa | undefined;
}

/** The auth service's settings for handing out `current` (and, during a switch, knowing `retiring`). */
function authSettingsFor(
  o: ResolvedLocalOptions,
  registry: EmbeddedRegistry,
  secrets: LocalSecrets,
  paths: { current: ClientPath; retiring?: ClientPath },
  oidc: OidcIssuerSettings | undefined,
) {
  const publicUrl = balancerUrl(paths.current);
  const retiringUrl = paths.retiring && balancerUrl(paths.retiring);
  return authSettingsSchema.parse({
    STRATEGY: paths.current.kind,
    BALANCER_NAME,
    ...(publicUrl ? { PUBLIC_URL: publicUrl } : {}),
    ...(paths.retiring ? { RETIRING_STRATEGY: paths.retiring.kind } : {}),
    ...(retiringUrl ? { RETIRING_PUBLIC_URL: retiringUrl } : {}),
    ...localAuthEnv(secrets, o.loginLimits),
    REGISTRY_TABLE: registry.tableName,
    REGISTRY_ENDPOINT: registry.endpoint,
    FRESHNESS_MS: String(o.freshnessMs),
    REGISTRY_CACHE_MS: String(o.registryCacheMs),
    NODE_CHOICE: o.nodeChoice,
    LOG_LEVEL: o.logLevel,
    ...(oidc
      ? {
          OIDC_ISSUER: oidc.issuer,
          OIDC_AUDIENCE: oidc.audience,
          ...(oidc.jwksUrl ? { OIDC_JWKS_URL: oidc.jwksUrl } : {}),
        }
      : {}),
  });
}

/** Starts the auth service (trusting `oidc` when given) on 127.0.0.1 port 0. */
async function startAuth(
  o: ResolvedLocalOptions,
  dir: RunDir,
  settings: ReturnType<typeof authSettingsFor>,
): Promise<AuthParts> {
  const log = createLogger('wslb-auth', settings.LOG_LEVEL, pino.destination(dir.file('auth.log')));
  const instances = await AuthInstances.create(settings, o.authInstances, log);
  const server = createAuthHttpServer(instances.handle, { allowedOrigins: o.allowedOrigins });
  try {
    const port = await listen(server, '127.0.0.1', 0);
    return { instances, server, url: buildUrl('http', '127.0.0.1', port) };
  } catch (err) {
    instances.stop();
    throw err;
  }
}

/**
 * The whole system on one machine: the embedded registry (dynalite), the auth service behind a Node
 * HTTP server, and N node processes on 127.0.0.1. Everything it starts, it stops.
 */
export class LocalCluster {
  readonly authUrl: string;
  /** The stand-in OIDC issuer (option `oidc: 'local'`), to mint ID tokens the auth service accepts. */
  readonly oidcIssuer: LocalOidcIssuer | undefined;
  /** With `tls`: the PEM file of this run's CA, which clients trust (ws's `ca`, NODE_EXTRA_CA_CERTS, curl --cacert). */
  readonly tlsCaFile: string | undefined;
  private readonly tls: LocalCa | undefined;
  private readonly dir: RunDir;
  private readonly registry: EmbeddedRegistry;
  private readonly secrets: LocalSecrets;
  private readonly fleet: LocalNodes;
  /** The path auth hands out; changed by `switchTo`. */
  private path: ClientPath;
  /** During a switch, the path clients are moving off, kept until `retire`. */
  private retiring?: ClientPath;
  private readonly authParts: AuthParts;
  private readonly oidc: OidcIssuerSettings | undefined;
  private readonly paths: ClientPathStore;
  private stopping = false;
  /** Switch and retire, one at a time; `stop` waits for the one running, so a path it starts is in `undo`. */
  private readonly operations = new OneOperationAtATime();

  private constructor(
    readonly options: ResolvedLocalOptions,
    parts: ClusterParts,
    private readonly undo: Undo,
  ) {
    const { fleet } = parts;
    this.dir = parts.dir;
    this.registry = parts.registry;
    this.secrets = parts.secrets;
    this.fleet = fleet;
    this.path = parts.path;
    this.oidc = parts.oidc;
    this.paths = parts.paths;
    this.authParts = parts.auth;
    this.authUrl = parts.auth.url;
    this.oidcIssuer = parts.oidcIssuer;
    this.tls = parts.tls;
    this.tlsCaFile = parts.tls?.caFile;
    // A node that exits leaves HAProxy's pool at the next discovery, and the NLB's target group, as a
    // terminated instance does.
    fleet.onExit = (node) => {
      if (this.stopping) return;
      this.syncBackends().catch(() => {});
      for (const tier of this.tiers) {
        if (tier.kind === 'nlb') tier.standIn.deregister(node.nodeId).catch(() => {});
      }
    };
  }

  /**
   * Starts every part, in order: registry, secrets, nodes, the client path, auth. If one fails, what was
   * started is stopped again and the run folder removed before the error is thrown.
   */
  static async start(options: LocalClusterOptions): Promise<LocalCluster> {
    const o = resolveLocalOptions(options);
    const dir = new RunDir();
    const undo = new Undo();
    undo.push(() => dir.remove());
    try {
      const bundle = bundleNodeService(dir.path, o.app);
      const registry = await startEmbeddedRegistry();
      undo.push(() => registry.close());
      const secrets = await createLocalSecrets(dir, {
        benchUserScryptN: o.benchUserScryptN,
        usersFile: o.usersFile,
      });
      const tls = o.tls ? await makeLocalCa(dir.file('tls')) : undefined;
      // Behind a balancer the nodes speak plain ws, as in AWS: the balancer terminates TLS.
      const fleet = new LocalNodes(
        o,
        dir,
        bundle,
        registry,
        secrets,
        o.strategy === 'direct' ? tls : undefined,
      );
      undo.push(() => fleet.stopAll());
      await Promise.all(Array.from({ length: o.nodes }, () => fleet.start(o.nodes)));
      const path = await startClientPath(o.strategy, o, dir, fleet, tls);
      undo.push(() => closeClientPath(path));
      const oidcIssuer = o.oidc === 'local' ? await LocalOidcIssuer.start() : undefined;
      if (oidcIssuer) undo.push(() => oidcIssuer.stop());
      const oidc = oidcIssuer
        ? { issuer: oidcIssuer.url, audience: oidcIssuer.audience, jwksUrl: oidcIssuer.jwksUrl }
        : (o.oidc as OidcIssuerSettings | undefined);
      const auth = await startAuth(o, dir, authSettingsFor(o, registry, secrets, { current: path }, oidc));
      // As the stack's first deploy does: the nodes learn the path they serve (decision 0150).
      const paths = pathStore(registry, undo);
      await paths.setCurrentPath({ strategy: o.strategy });
      undo.push(async () => {
        auth.instances.stop();
        auth.server.closeAllConnections();
        await new Promise<void>((resolve) => auth.server.close(() => resolve()));
      });
      return new LocalCluster(
        o,
        { dir, registry, secrets, fleet, path, auth, oidcIssuer, oidc, paths, tls },
        undo,
      );
    } catch (err) {
      await undo.run();
      throw err;
    }
  }

  /** Every node process started, running or not, in start order. */
  get nodes(): readonly NodeProcess[] {
    return this.fleet.list;
  }

  get runDir(): string {
    return this.dir.path;
  }

  get credentials(): { username: string; password: string } {
    return this.secrets.demoUser;
  }

  /** The bench user (only with `benchUserScryptN`). */
  get benchCredentials(): { username: string; password: string } | undefined {
    return this.secrets.benchUser;
  }

  /** The embedded registry's loopback endpoint (for inspection in tests). */
  get registryEndpoint(): string {
    return this.registry.endpoint;
  }

  /** The embedded registry's table (`npx wslb status --endpoint … --table-name …`). */
  get registryTable(): string {
    return this.registry.tableName;
  }

  /** Stop the embedded registry (an outage): nodes' heartbeats and auth's reads fail until `startRegistry`. */
  stopRegistry(): Promise<void> {
    return this.registry.pause();
  }

  /** Bring the registry back on the same port with the data it held. */
  startRegistry(): Promise<void> {
    return this.registry.resume();
  }

  get auth(): AuthInstances {
    return this.authParts.instances;
  }

  /** The local HAProxy, while the `haproxy` path runs (current or retiring). */
  get haproxy(): LocalHaproxy | undefined {
    const tier = this.tiers.find((t) => t.kind === 'haproxy');
    return tier?.kind === 'haproxy' ? tier.haproxy : undefined;
  }

  /** The NLB stand-in, while the `nlb` path runs: the kernel balancer in this namespace, or HAProxy in tcp mode. */
  get nlb(): NlbStandIn | undefined {
    const tier = this.tiers.find((t) => t.kind === 'nlb');
    return tier?.kind === 'nlb' ? tier.standIn : undefined;
  }

  /** The path auth hands out and, during a switch, the one clients are moving off. */
  get currentPath(): { strategy: Strategy; retiring?: Strategy } {
    return { strategy: this.path.kind, ...(this.retiring ? { retiring: this.retiring.kind } : {}) };
  }

  /** Which path a client that opened `url` came by: a balancer's URL, else a node's own endpoint (`direct`). */
  pathOf(url: string): Strategy | undefined {
    const tier = this.tiers.find((t) => balancerUrl(t) === url);
    if (tier) return tier.kind;
    return this.fleet.list.some((n) => n.endpoint === url) ? 'direct' : undefined;
  }

  /**
   * Switch to `to`, as `cdk deploy -c strategy=<to> -c retiring=<current>` does: start the new path (its
   * balancer, registered with every running node), hand it out from the next login on (new auth instances),
   * then name it current in the registry, where every node reads it and moves its old-path clients in
   * batches over the drain window (decision 0150). The old path keeps running until `retire`.
   * `stop` waits for a switch under way, so the path it starts is stopped with the rest.
   * @throws ClusterBusyError while another switch or a retire runs
   * @throws SwitchStepError naming the step that failed: 'start the <to> path', 'hand out the <to> path in
   *   auth', 'name <to> current in the registry'
   * @throws Error when `to` is the current path, while a previous switch still has a retiring path, or when the
   *   cluster started stopping
   */
  async switchTo(to: Strategy): Promise<void> {
    if (this.stopping) throw new Error('the cluster is stopping');
    return this.operations.run(`switch to ${to}`, () => this.runSwitch(to));
  }

  private async runSwitch(to: Strategy): Promise<void> {
    if (to === this.path.kind) throw new Error(`already on ${to}`);
    if (this.retiring) {
      throw new Error(`the switch from ${this.retiring.kind} is not finished: retire it first`);
    }
    if (this.tls && (to === 'direct' || this.path.kind === 'direct')) {
      throw new Error(
        `a switch between direct and ${to === 'direct' ? this.path.kind : to} with tls would change the nodes`,
      );
    }
    const next = await switchStep(`start the ${to} path`, () =>
      startClientPath(to, this.options, this.dir, this.fleet, this.tls),
    );
    this.undo.push(() => closeClientPath(next));
    if (this.stopping) throw new Error('the cluster is stopping');
    const previous = this.path;
    this.retiring = previous;
    this.path = next;
    await switchStep(`hand out the ${to} path in auth`, () =>
      this.authParts.instances.reconfigure(
        authSettingsFor(
          this.options,
          this.registry,
          this.secrets,
          { current: next, retiring: previous },
          this.oidc,
        ),
      ),
    );
    await switchStep(`name ${to} current in the registry`, () =>
      this.paths.setCurrentPath({ strategy: to, retiring: previous.kind }),
    );
  }

  /**
   * End a switch, as the second deploy (`cdk deploy -c strategy=<new>`) does: stop the retiring path's
   * balancer and forget it in auth and the registry. Resolves with the retired strategy; with
   * nothing retiring it changes nothing and resolves undefined (idempotent, decision 0185).
   * @throws RetireRefusedError while a node still holds clients that came by the retiring path (they would be
   *   cut), unless `force`
   * @throws ClusterBusyError while a switch or another retire runs
   */
  retire(options: { force?: boolean } = {}): Promise<Strategy | undefined> {
    const what = this.retiring ? `retire ${this.retiring.kind}` : 'retire';
    return this.operations.run(what, () => this.runRetire(options));
  }

  private async runRetire(options: { force?: boolean }): Promise<Strategy | undefined> {
    const old = this.retiring;
    if (!old) return undefined;
    if (!options.force) {
      const left = await this.clientsOnPath(old.kind);
      if (Object.keys(left).length > 0) throw new RetireRefusedError(old.kind, left);
    }
    this.retiring = undefined;
    await this.authParts.instances.reconfigure(
      authSettingsFor(this.options, this.registry, this.secrets, { current: this.path }, this.oidc),
    );
    await this.paths.setCurrentPath({ strategy: this.path.kind });
    await closeClientPath(old);
    return old.kind;
  }

  /**
   * Clients connected by `path` (their token was handed out for it), by node id, from each running node's own
   * `/healthz`; nodes with none, and nodes that do not answer, are left out.
   */
  async clientsOnPath(path: Strategy): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const n of await this.nodeCounts()) {
      const held = n.connectionsByPath[path] ?? 0;
      if (held > 0) counts[n.id] = held;
    }
    return counts;
  }

  /** The paths running now: the current one first. */
  private get tiers(): ClientPath[] {
    return this.retiring ? [this.path, this.retiring] : [this.path];
  }

  /** The loopback addresses HAProxy connects to nodes from (strategy `haproxy`). */
  get sourceIps(): string[] {
    return loopbackSources(this.options.haproxySourceIps);
  }

  /**
   * Start one more node; it is offered to clients from its first heartbeat on (`direct`), or once
   * discovery has added it to HAProxy and its health check passes (`haproxy`).
   */
  async addNode(): Promise<NodeProcess> {
    const node = await this.fleet.start();
    await this.syncBackends();
    for (const tier of this.tiers) {
      if (tier.kind !== 'nlb') continue;
      tier.standIn.register({ id: node.nodeId, host: '127.0.0.1', port: node.port });
      await tier.standIn.whenHealthy([node.nodeId], 15_000);
    }
    return node;
  }

  private async syncBackends(): Promise<void> {
    for (const tier of this.tiers) {
      if (tier.kind === 'haproxy' && !this.stopping) await tier.haproxy.setBackends(backendsOf(this.fleet));
    }
  }

  /** Each running node's own view of itself, from `/healthz`. */
  async nodeCounts(): Promise<NodeCount[]> {
    return Promise.all(
      this.fleet.running.map(async (n) => {
        try {
          const body = (await healthOf(n, this.fleetTls)) as Omit<NodeCount, 'id' | 'endpoint'>;
          const { connections, connectionsByPath = {}, state } = body;
          return { id: n.nodeId, endpoint: n.endpoint, connections, connectionsByPath, state };
        } catch {
          return {
            id: n.nodeId,
            endpoint: n.endpoint,
            connections: 0,
            connectionsByPath: {},
            state: 'unreachable',
          };
        }
      }),
    );
  }

  /** The certificate the nodes serve, when they serve wss (`direct` with `tls`). */
  private get fleetTls(): LocalCa | undefined {
    return this.options.strategy === 'direct' ? this.tls : undefined;
  }

  log(name: string): string {
    return join(this.dir.path, `${name}.log`);
  }

  /**
   * Kill every process this cluster started (nodes, and the balancers of the current and the retiring path)
   * now, without draining or waiting: the synchronous cleanup when the orderly `stop` cannot finish.
   */
  kill(): void {
    for (const n of this.fleet.running) n.kill();
    for (const tier of this.tiers) {
      if (tier.kind === 'haproxy') tier.haproxy.kill();
      if (tier.kind === 'nlb') tier.standIn.kill();
    }
  }

  /** Stop everything this cluster started, by PID, and remove its run folder. Safe to call twice. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.operations.idle();
    // Nodes first, as before a scale-in: their clients get the drain close, not a balancer's reset.
    await this.fleet.stopAll();
    await this.undo.run();
  }
}

export type { Logger };
