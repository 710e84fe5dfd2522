import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { LoginLimitSettings } from '../auth/limits/login-limits';
import { createAuthHttpServer, listen } from '../auth/node-http-adapter';
import { authSettingsSchema } from '../auth/settings';
import type { NodeChoiceRule } from '../contract/strategies';
import { buildUrl } from '../contract/url';
import type { Backend } from '../haproxy/render/backend';
import { type EmbeddedRegistry, startEmbeddedRegistry } from '../registry';
import { createLogger } from '../shared/log';
import { AuthInstances } from './auth-instances';
import { type LocalHaproxy, startLocalHaproxy } from './local-haproxy';
import { createLocalSecrets, LOCAL_LOGIN_LIMITS, type LocalSecrets, localAuthEnv } from './local-secrets';
import { currentNamespace } from './netns';
import { type NlbStandIn, startNlbStandIn } from './nlb';
import { startNlbFallback } from './nlb-fallback';
import { bundleNodeService } from './node-bundle';
import { NodeProcess } from './node-process';
import { LocalOidcIssuer } from './oidc-issuer';
import { RunDir } from './run-dir';

export type LocalStrategy = 'direct' | 'haproxy' | 'nlb';

/** Token audience behind a balancer, as BALANCER_NAME of the stacks. */
const BALANCER_NAME = { haproxy: 'wslb-haproxy', nlb: 'wslb-nlb' } as const;

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
  oidc?: 'local' | { issuer: string; audience: string; jwksUrl?: string };
  /** What one client and one username may spend on logins. @default LOCAL_LOGIN_LIMITS (out of reach) */
  /** Origins a page may log in from (CORS, as the deployed Function URL allows them). @default ['*'] */
  allowedOrigins?: readonly string[];
  loginLimits?: LoginLimitSettings;
  /** Log level of nodes and auth (their logs go to files in the run folder). @default 'info' */
  logLevel?: string;
  /** Start node processes with the V8 inspector on loopback (for heap measurements). @default false */
  inspectNodes?: boolean;
}

export interface NodeCount {
  id: string;
  endpoint: string;
  connections: number;
  state: string;
}

/**
 * The whole system on one machine: the embedded registry (dynalite), the auth service behind a Node
 * HTTP server, and N node processes on 127.0.0.1. Everything it starts, it stops.
 */
export class LocalCluster {
  readonly nodes: NodeProcess[] = [];
  authUrl = '';
  private nextNode = 1;
  private bundle = '';
  private registry?: EmbeddedRegistry;
  private authInstances?: AuthInstances;
  private authServer?: ReturnType<typeof createAuthHttpServer>;
  private secrets?: LocalSecrets;
  private balancer?: LocalHaproxy;
  private standIn?: NlbStandIn;
  private readonly dir = new RunDir();

  private constructor(private readonly options: LocalClusterOptions) {}

  static async start(options: LocalClusterOptions): Promise<LocalCluster> {
    const cluster = new LocalCluster(options);
    try {
      await cluster.boot();
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  get runDir(): string {
    return this.dir.path;
  }

  get credentials(): { username: string; password: string } {
    return this.secrets!.demoUser;
  }

  /** The bench user (only with `benchUserScryptN`). */
  get benchCredentials(): { username: string; password: string } | undefined {
    return this.secrets!.benchUser;
  }

  /** The embedded registry's loopback endpoint (for inspection in tests). */
  get registryEndpoint(): string {
    return this.registry!.endpoint;
  }

  /** The embedded registry's table (`npx wslb status --endpoint … --table-name …`). */
  get registryTable(): string {
    return this.registry!.tableName;
  }

  /** Stop the embedded registry (an outage): nodes' heartbeats and auth's reads fail until `startRegistry`. */
  stopRegistry(): Promise<void> {
    return this.registry!.pause();
  }

  /** Bring the registry back on the same port with the data it held. */
  startRegistry(): Promise<void> {
    return this.registry!.resume();
  }

  /** The stand-in OIDC issuer (option `oidc: 'local'`), to mint ID tokens the auth service accepts. */
  oidcIssuer?: LocalOidcIssuer;

  get auth(): AuthInstances {
    return this.authInstances!;
  }

  /** The local HAProxy (strategy `haproxy`). */
  get haproxy(): LocalHaproxy | undefined {
    return this.balancer;
  }

  /** The NLB stand-in (strategy `nlb`): the kernel balancer in this namespace, or HAProxy in tcp mode. */
  get nlb(): NlbStandIn | undefined {
    return this.standIn;
  }

  /** The loopback addresses HAProxy connects to nodes from (strategy `haproxy`). */
  get sourceIps(): string[] {
    return Array.from({ length: this.options.haproxySourceIps ?? 2 }, (_, i) => `127.0.1.${i + 1}`);
  }

  private async boot(): Promise<void> {
    this.bundle = bundleNodeService(this.dir.path);
    this.registry = await startEmbeddedRegistry();
    this.secrets = await createLocalSecrets(this.dir, {
      benchUserScryptN: this.options.benchUserScryptN,
      usersFile: this.options.usersFile,
    });
    await Promise.all(Array.from({ length: this.options.nodes }, () => this.startNode()));
    if (this.options.strategy === 'haproxy') {
      this.balancer = await startLocalHaproxy({
        backends: this.backends(),
        sourceIps: this.sourceIps,
        logger: createLogger(
          'wslb-haproxy-agent',
          'info',
          pino.destination(this.dir.file('haproxy-agent.log')),
        ),
      });
    }
    if (this.options.strategy === 'nlb') await this.startNlb();
    const publicUrl = this.balancer?.url ?? this.standIn?.url;
    if (this.options.oidc === 'local') this.oidcIssuer = await LocalOidcIssuer.start();
    const oidc = this.oidcIssuer
      ? { issuer: this.oidcIssuer.url, audience: this.oidcIssuer.audience, jwksUrl: this.oidcIssuer.jwksUrl }
      : (this.options.oidc as Exclude<LocalClusterOptions['oidc'], 'local'>);
    const settings = authSettingsSchema.parse({
      STRATEGY: this.options.strategy,
      ...(publicUrl
        ? { PUBLIC_URL: publicUrl, BALANCER_NAME: BALANCER_NAME[this.options.strategy as 'nlb'] }
        : {}),
      ...localAuthEnv(this.secrets, this.options.loginLimits ?? LOCAL_LOGIN_LIMITS),
      REGISTRY_TABLE: this.registry.tableName,
      REGISTRY_ENDPOINT: this.registry.endpoint,
      FRESHNESS_MS: String(this.options.freshnessMs ?? 3000),
      REGISTRY_CACHE_MS: String(this.options.registryCacheMs ?? 1000),
      NODE_CHOICE: this.options.nodeChoice ?? 'p2c',
      LOG_LEVEL: this.options.logLevel ?? 'info',
      ...(oidc
        ? {
            OIDC_ISSUER: oidc.issuer,
            OIDC_AUDIENCE: oidc.audience,
            ...(oidc.jwksUrl ? { OIDC_JWKS_URL: oidc.jwksUrl } : {}),
          }
        : {}),
    });
    const log = createLogger('wslb-auth', settings.LOG_LEVEL, pino.destination(this.dir.file('auth.log')));
    this.authInstances = await AuthInstances.create(settings, this.options.authInstances ?? 1, log);
    this.authServer = createAuthHttpServer(this.authInstances.handle, {
      allowedOrigins: this.options.allowedOrigins,
    });
    const port = await listen(this.authServer, '127.0.0.1', 0);
    this.authUrl = buildUrl('http', '127.0.0.1', port);
  }

  /**
   * Start one more node; it is offered to clients from its first heartbeat on (`direct`), or once
   * discovery has added it to HAProxy and its health check passes (`haproxy`).
   */
  async addNode(): Promise<NodeProcess> {
    const node = await this.startNode();
    await this.syncBackends();
    if (this.standIn) {
      this.standIn.register({ id: node.nodeId, host: '127.0.0.1', port: node.port });
      await this.standIn.whenHealthy([node.nodeId], 15_000);
    }
    return node;
  }

  private async startNlb(): Promise<void> {
    const namespace = currentNamespace();
    const log = createLogger('wslb-nlb', 'info', pino.destination(this.dir.file('nlb.log')));
    const delayMs = (this.options.drainSeconds ?? 3) * 1000;
    this.standIn = namespace
      ? await startNlbStandIn({
          namespace,
          // The stack's 10 s interval would keep a new node idle for 20 s; the thresholds stay the stack's.
          healthCheck: { intervalMs: 1000, timeoutMs: 500 },
          deregistrationDelayMs: delayMs,
          log,
        })
      : await startNlbFallback(delayMs, log);
    for (const n of this.nodes) this.standIn.register({ id: n.nodeId, host: '127.0.0.1', port: n.port });
    await this.standIn.whenHealthy(
      this.nodes.map((n) => n.nodeId),
      15_000,
    );
  }

  /** Nodes as HAProxy's discovery sees them: the running ones (as DescribeInstances lists running instances). */
  private backends(): Backend[] {
    return this.nodes
      .filter((n) => n.running)
      .map((n) => ({ id: n.nodeId, host: '127.0.0.1', port: n.port }));
  }

  private async syncBackends(): Promise<void> {
    if (this.balancer && !this.stopping) await this.balancer.setBackends(this.backends());
  }

  private stopping = false;

  private async startNode(): Promise<NodeProcess> {
    const nodeId = `node-${this.nextNode++}`;
    const o = this.options;
    const node = await NodeProcess.start({
      bundle: this.bundle,
      nodeId,
      logFile: this.dir.file(`${nodeId}.log`),
      inspect: o.inspectNodes,
      env: {
        TOKEN_SECRET_FILE: this.secrets!.tokenSecretFile,
        REGISTRY_TABLE: this.registry!.tableName,
        REGISTRY_ENDPOINT: this.registry!.endpoint,
        MAX_CONNECTIONS: String(o.maxConnectionsPerNode ?? 15_000),
        HEARTBEAT_MS: String(o.heartbeatMs ?? 1000),
        DRAIN_SECONDS: String(o.drainSeconds ?? 3),
        PING_SECONDS: String(o.pingSeconds ?? 25),
        LOG_LEVEL: o.logLevel ?? 'info',
        ...(o.strategy === 'direct' ? {} : { TOKEN_AUDIENCE: BALANCER_NAME[o.strategy] }),
      },
    });
    this.nodes.push(node);
    // A node that exits leaves HAProxy's pool at the next discovery, and the NLB's target group, as a
    // terminated instance does.
    void node.exited.then(() => {
      if (this.stopping) return;
      this.syncBackends().catch(() => {});
      this.standIn?.deregister(node.nodeId).catch(() => {});
    });
    return node;
  }

  /** Each running node's own view of itself, from `/healthz`. */
  async nodeCounts(): Promise<NodeCount[]> {
    const live = this.nodes.filter((n) => n.running);
    return Promise.all(
      live.map(async (n) => {
        try {
          const res = await fetch(buildUrl('http', '127.0.0.1', n.port, '/healthz'), {
            signal: AbortSignal.timeout(2000),
          });
          const body = (await res.json()) as { connections: number; state: string };
          return { id: n.nodeId, endpoint: n.endpoint, connections: body.connections, state: body.state };
        } catch {
          return { id: n.nodeId, endpoint: n.endpoint, connections: 0, state: 'unreachable' };
        }
      }),
    );
  }

  log(name: string): string {
    return join(this.dir.path, `${name}.log`);
  }

  /** Stop everything this cluster started, by PID, and remove its run folder. Safe to call twice. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.nodes.map((n) => n.stop(5000)));
    await this.balancer?.close();
    this.balancer = undefined;
    await this.standIn?.close();
    this.standIn = undefined;
    this.authInstances?.stop();
    if (this.authServer) {
      this.authServer.closeAllConnections();
      await new Promise<void>((resolve) => this.authServer!.close(() => resolve()));
      this.authServer = undefined;
    }
    await this.registry?.close();
    this.registry = undefined;
    await this.oidcIssuer?.stop();
    this.oidcIssuer = undefined;
    this.dir.remove();
  }
}

export type { Logger };
