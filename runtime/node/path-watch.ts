import type { Logger } from 'pino';
import type { Strategy } from '../contract/strategies';
import type { ClientPathStore } from '../registry';
import type { NodeServer } from './node-server';

/**
 * Reads the current path from the registry every `intervalMs` and moves this node's clients that are on another
 * path (their token says so) to it: one round at a time, the first spread over `windowMs` like a drain, with a
 * check after every round, so clients that still arrive on the old path (a token handed out just before the
 * switch) are moved by the next one (docs/decisions/0150-nodes-move-clients-off-the-old-path.md). A later round
 * to the same path keeps the first round's pace (clients a second): a few late arrivals are moved in a fraction of
 * the window rather than spread over a whole one again, and no round is faster than the first. A failed read is
 * logged and retried at the next interval; nothing moves while no path was ever written.
 */
export class PathWatch {
  private timer?: NodeJS.Timeout;
  private moving?: Promise<void>;
  private known?: Strategy;
  /** The first move round to the current path: its size sets the pace of the later ones. */
  private firstRound?: { to: Strategy; clients: number };

  constructor(
    private readonly store: ClientPathStore,
    private readonly server: NodeServer,
    private readonly options: { intervalMs: number; windowMs: number; log: Logger },
  ) {}

  /** The current path as last read. */
  get current(): Strategy | undefined {
    return this.known;
  }

  start(): void {
    this.timer = setInterval(() => void this.check(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One read, and a move round when clients are off the current path and none is running. */
  async check(): Promise<void> {
    const { log, windowMs } = this.options;
    let path: Awaited<ReturnType<ClientPathStore['currentPath']>>;
    try {
      path = await this.store.currentPath();
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'current path unreadable');
      return;
    }
    if (!path) return;
    if (path.strategy !== this.known) {
      log.info({ strategy: path.strategy, retiring: path.retiring, since: path.since }, 'current path');
      this.known = path.strategy;
    }
    if (this.moving || this.server.draining) return;
    const off = this.server.offPath(path.strategy);
    if (off === 0) return;
    const to = path.strategy;
    const started = Date.now();
    const roundMs = this.roundWindowMs(to, off, windowMs);
    log.info({ to, clients: off, windowMs: roundMs }, 'moving clients to the current path');
    this.moving = this.server
      .moveOffPath(to, roundMs)
      .then((moved) => log.info({ to, moved, ms: Date.now() - started }, 'moved clients to the current path'))
      .catch((err: Error) => log.error({ to, err: err.message }, 'moving clients failed'))
      .finally(() => {
        this.moving = undefined;
      });
  }

  /** The whole window for the first round to `to`; later rounds the share of it their clients are of the first's. */
  private roundWindowMs(to: Strategy, clients: number, windowMs: number): number {
    if (this.firstRound?.to !== to) {
      this.firstRound = { to, clients };
      return windowMs;
    }
    return Math.min(windowMs, Math.ceil((windowMs * clients) / this.firstRound.clients));
  }

  /** Resolves when the running move round (if any) has ended. */
  async settled(): Promise<void> {
    await this.moving;
  }
}
