import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type StartedCluster, startCluster } from '../../harness/cluster';
import { sleep } from '../../harness/stats';
import type { LocalCluster, LocalClusterOptions } from '../../runtime/local/local-cluster';
import { ClientPool } from './client-pool';
import { keyForms, readLogs, type SecretLedger } from './secret-ledger';

export interface AuthEvent {
  time: number;
  msg: string;
  node?: string;
  status?: number;
}

/**
 * A local cluster (direct unless told otherwise) and its client processes for one scenario, stopped by PID on any exit.
 * Before it goes, its logs are scanned for its own secrets (scenario 8).
 */
export class ChaosCluster {
  readonly cluster: LocalCluster;
  private pool?: ClientPool;
  /** Client processes started beside the cluster, until a scenario takes them with {@link clients}. */
  private prestarted?: ClientPool;

  private constructor(
    private readonly started: StartedCluster,
    private readonly ledger: SecretLedger,
    private readonly label: string,
  ) {
    this.cluster = started.cluster;
  }

  /**
   * `clientProcesses` client processes start beside the cluster, so their start-up (tsx, seconds on a busy
   * machine) overlaps the cluster's instead of following it; {@link clients} with that count hands them out.
   */
  static async start(
    label: string,
    ledger: SecretLedger,
    options: Omit<LocalClusterOptions, 'strategy'> & Partial<Pick<LocalClusterOptions, 'strategy'>>,
    clientProcesses = 0,
  ): Promise<ChaosCluster> {
    const prestarted = clientProcesses > 0 ? new ClientPool(clientProcesses) : undefined;
    let started: StartedCluster;
    try {
      started = await startCluster({ strategy: 'direct', ...options }, `local cluster ${label}`);
    } catch (err) {
      await prestarted?.stop();
      throw err;
    }
    const cc = new ChaosCluster(started, ledger, label);
    cc.prestarted = prestarted;
    return cc;
  }

  clients(processes: number): ClientPool {
    const ready = this.prestarted;
    this.prestarted = undefined;
    if (ready && ready.size === processes) this.pool = ready;
    else {
      void ready?.stop();
      this.pool = new ClientPool(processes);
    }
    return this.pool;
  }

  /** `POST /session` with the cluster's user (or `body`); the status and Retry-After header. */
  async login(body?: unknown): Promise<{ status: number; retryAfter: string | null; token?: string }> {
    const res = await fetch(`${this.cluster.authUrl}/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body ?? this.cluster.credentials),
      signal: AbortSignal.timeout(10_000),
    });
    const json = (await res.json().catch(() => ({}))) as { token?: string };
    return { status: res.status, retryAfter: res.headers.get('retry-after'), token: json.token };
  }

  /** Sessions issued and refusals, from the auth log (pino JSON lines), with `time` turned into epoch ms. */
  async authEvents(): Promise<AuthEvent[]> {
    await sleep(300); // pino writes asynchronously
    return readFileSync(join(this.cluster.runDir, 'auth.log'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const line = JSON.parse(l) as Omit<AuthEvent, 'time'> & { time: string | number };
        // The logger writes ISO times: compared with Date.now() as text, every filter on time was empty.
        return { ...line, time: typeof line.time === 'number' ? line.time : Date.parse(line.time) };
      });
  }

  /** wslb_auth_sessions_total by status, from the auth service's /metrics. */
  async sessionCounts(): Promise<Record<string, number>> {
    const text = await (await fetch(`${this.cluster.authUrl}/metrics`)).text();
    const out: Record<string, number> = {};
    for (const m of text.matchAll(/^wslb_auth_sessions_total\{status="(\d+)"\} (\d+)/gm))
      out[m[1]] = Number(m[2]);
    return out;
  }

  tokenKey(): string {
    const file = join(this.cluster.runDir, 'token-secret.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { secret: string }).secret;
  }

  async stop(extraTokens: string[] = []): Promise<void> {
    try {
      const tokens = [...extraTokens, ...((await this.pool?.tokens().catch(() => [])) ?? [])];
      await Promise.all([this.pool?.stop(), this.prestarted?.stop()]);
      await sleep(300);
      this.ledger.scan(
        readLogs(this.cluster.runDir, `${this.label}/`),
        {
          'demo password': this.cluster.credentials.password,
          ...keyForms('token signing key', this.tokenKey()),
        },
        tokens,
      );
    } finally {
      await this.started.stop();
    }
  }
}
