import type { ClientOptions } from 'ws';
import type { WslbClient } from '../client';
import { connect } from '../client/node';

export interface FleetOptions {
  authUrl: string;
  credentials: { username: string; password: string };
  /** Sockets opening at once. @default 100 */
  concurrency?: number;
  /** Give up on a client that has not opened within this time. @default 30000 */
  openTimeoutMs?: number;
  wsOptions?: ClientOptions;
  /** Each client's `deadAfterMs` (drop a socket whose server fell silent). @default - off */
  deadAfterMs?: number;
  onProgress?: (opened: number, requested: number) => void;
}

/** Counters of what happened to the fleet's sockets, for summaries and failure tests. */
export interface FleetStats {
  opens: number;
  /** Connection attempts that did not open (refused upgrade, node gone) and were retried through auth. */
  failedAttempts: number;
  reopens: number;
  /** The most reopens of any one client: 1 when a failover moved every client once. */
  mostReopensOfOne: number;
  closesByCode: Record<number, number>;
  authErrors: number;
}

/** Many clients through the auth service, opened with bounded concurrency; used by the demo, tests and benches. */
export class ClientFleet {
  readonly clients: WslbClient[] = [];
  readonly stats: FleetStats = {
    opens: 0,
    failedAttempts: 0,
    reopens: 0,
    mostReopensOfOne: 0,
    closesByCode: {},
    authErrors: 0,
  };
  /** Node of each reconnect, in order, for "never sent back to the drained node" checks. */
  readonly reopenedOn: (string | undefined)[] = [];
  /** The URL each client's socket last opened (the path it came by: a balancer's URL, or a node's). */
  readonly urlOf = new Map<WslbClient, string>();

  constructor(private readonly options: FleetOptions) {}

  /**
   * Open `count` more clients; resolves with how many opened within the timeout and, for those that did not,
   * how many for each reason (the client's error, or the timeout with the last reconnect cause seen).
   */
  async open(
    count: number,
  ): Promise<{ connected: number; failed: number; failures: Record<string, number> }> {
    const concurrency = this.options.concurrency ?? 100;
    const timeoutMs = this.options.openTimeoutMs ?? 30_000;
    let next = 0;
    let connected = 0;
    let failed = 0;
    const failures: Record<string, number> = {};
    const one = () =>
      new Promise<boolean>((resolve) => {
        const client = connect({
          authUrl: this.options.authUrl,
          credentials: this.options.credentials,
          wsOptions: this.options.wsOptions,
          deadAfterMs: this.options.deadAfterMs,
        });
        this.track(client);
        let lastCause: string | undefined;
        let settled = false;
        // The first of open, error or the timeout decides; a client's later events do not count it twice.
        const settle = (reason?: string) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          if (reason !== undefined) failures[reason] = (failures[reason] ?? 0) + 1;
          resolve(reason === undefined);
        };
        client.on('reconnecting', ({ cause }) => {
          lastCause = cause;
        });
        const timer = setTimeout(() => {
          const last = lastCause ? ` (last: ${lastCause.slice(0, 120)})` : '';
          settle(`not open within ${timeoutMs / 1000} s${last}`);
        }, timeoutMs);
        client.on('open', () => settle());
        client.on('error', (err: Error) => settle(err.message.slice(0, 160)));
      });
    const worker = async () => {
      while (next < count) {
        next += 1;
        if (await one()) connected += 1;
        else failed += 1;
        this.options.onProgress?.(connected, count);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
    return { connected, failed, failures };
  }

  connectedCount(): number {
    return this.clients.filter((c) => c.connected).length;
  }

  /** Open clients per node id (known under `direct`). */
  byNode(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const c of this.clients) {
      if (c.connected && c.node) counts.set(c.node, (counts.get(c.node) ?? 0) + 1);
    }
    return counts;
  }

  /** Resolves once `predicate` holds, or rejects after `timeoutMs`. */
  async waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Resolves once `count` open sockets have closed with `code`. A process that exits is gone before its
   * clients have read the close, so wait for this before waiting for them to be back.
   */
  waitForCloses(code: number, count: number, timeoutMs: number): Promise<void> {
    return this.waitFor(
      () => (this.stats.closesByCode[code] ?? 0) === count,
      timeoutMs,
      `${count} clients to see close code ${code}`,
    );
  }

  closeAll(): void {
    for (const c of this.clients) c.close();
  }

  private track(client: WslbClient): void {
    this.clients.push(client);
    let opens = 0;
    client.on('open', ({ node, url }) => {
      this.urlOf.set(client, url);
      this.stats.opens += 1;
      opens += 1;
      if (opens > 1) {
        this.stats.reopens += 1;
        this.stats.mostReopensOfOne = Math.max(this.stats.mostReopensOfOne, opens - 1);
        this.reopenedOn.push(node);
      }
    });
    client.on('close', ({ code }) => {
      this.stats.closesByCode[code] = (this.stats.closesByCode[code] ?? 0) + 1;
    });
    client.on('error', () => {
      this.stats.authErrors += 1;
    });
    client.on('reconnecting', ({ cause }) => {
      if (cause.startsWith('connect failed')) this.stats.failedAttempts += 1;
    });
  }
}
