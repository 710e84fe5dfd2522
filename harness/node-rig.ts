import { createLocalSecrets, type LocalSecrets } from '../runtime/local/local-secrets';
import { NodeProcess } from '../runtime/local/node-process';
import { RunDir } from '../runtime/local/run-dir';
import { type EmbeddedRegistry, startEmbeddedRegistry } from '../runtime/registry';

/** The balancer name tokens carry on the haproxy path; nodes in a rig accept it besides their own id. */
export const BALANCER_NAME = 'wslb';

/** Scrypt cost of the bench user: cheap on purpose, so logins measure the path, not the hash. */
export const BENCH_SCRYPT_N = 16;

/**
 * wslb nodes with their registry and secrets, without the local cluster's auth: for measuring a node alone
 * (self-signed tokens) or behind HAProxy. Nodes run the same bundle the fleet deploys.
 */
export class NodeRig {
  readonly nodes: NodeProcess[] = [];
  private constructor(
    private readonly dir: RunDir,
    readonly registry: EmbeddedRegistry,
    readonly secrets: LocalSecrets,
    private readonly bundle: string,
  ) {}

  static async start(bundle: string): Promise<NodeRig> {
    const dir = new RunDir();
    try {
      const registry = await startEmbeddedRegistry();
      const secrets = await createLocalSecrets(dir, { benchUserScryptN: BENCH_SCRYPT_N });
      return new NodeRig(dir, registry, secrets, bundle);
    } catch (err) {
      dir.remove();
      throw err;
    }
  }

  /** Where the nodes' logs (and the secrets) are, until `stop()`. */
  get runDir(): string {
    return this.dir.path;
  }

  get benchCredentials(): { username: string; password: string } {
    return this.secrets.benchUser!;
  }

  /**
   * Start nodes one after another (parallel starts of many bundles time out on a loaded machine), each
   * retried once under a new id.
   */
  async startNodes(prefix: string, count: number, maxConnections: number): Promise<NodeProcess[]> {
    const started: NodeProcess[] = [];
    for (let i = 1; i <= count; i++) {
      try {
        started.push(await this.startNode(`${prefix}-${i}`, maxConnections));
      } catch {
        started.push(await this.startNode(`${prefix}-${i}-retry`, maxConnections));
      }
    }
    return started;
  }

  /** `env` adds to or overrides the node's settings (e.g. HOST, PORT, PING_SECONDS). */
  async startNode(
    nodeId: string,
    maxConnections: number,
    env: Record<string, string> = {},
  ): Promise<NodeProcess> {
    const node = await NodeProcess.start({
      bundle: this.bundle,
      nodeId,
      logFile: this.dir.file(`${nodeId}.log`),
      env: {
        TOKEN_SECRET_FILE: this.secrets.tokenSecretFile,
        TOKEN_AUDIENCE: BALANCER_NAME,
        REGISTRY_TABLE: this.registry.tableName,
        REGISTRY_ENDPOINT: this.registry.endpoint,
        MAX_CONNECTIONS: String(maxConnections),
        HEARTBEAT_MS: '1000',
        DRAIN_SECONDS: '0',
        LOG_LEVEL: 'warn',
        ...env,
      },
    });
    this.nodes.push(node);
    return node;
  }

  /** Synchronous last resort (process exit): SIGKILL the nodes. */
  killNow(): void {
    for (const n of this.nodes) n.kill();
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop(3_000)));
    await this.registry.close();
    this.dir.remove();
  }
}
