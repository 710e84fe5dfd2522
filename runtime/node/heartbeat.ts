import type { Logger } from 'pino';
import type { NodeHeartbeat, NodeRegistry } from '../registry';

/**
 * Writes this node's state into the registry every `intervalMs`, on wall-clock multiples of it, so
 * every node reports at the same instants and the registry holds one consistent snapshot rather
 * than counts of different ages (which make the older ones look emptier). EC2 clocks are kept in
 * sync by the Amazon Time Sync Service. A failed write is logged, never fatal.
 */
export class Heartbeat {
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;

  constructor(
    private readonly registry: NodeRegistry,
    private readonly snapshot: () => NodeHeartbeat,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private stopped = false;

  private schedule(): void {
    if (this.stopped) return;
    const delay = this.intervalMs - (Date.now() % this.intervalMs);
    this.timer = setTimeout(() => {
      void this.beat();
      this.schedule();
    }, delay);
  }

  /** One write now; concurrent calls share it. */
  beat(): Promise<void> {
    this.inFlight ??= this.registry
      .heartbeat(this.snapshot())
      .catch((err: Error) => this.log.warn({ err: err.message }, 'heartbeat failed'))
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}
