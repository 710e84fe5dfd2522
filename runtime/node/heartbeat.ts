import type { Logger } from 'pino';
import type { NodeHeartbeat, NodeRegistry } from '../registry';

/** Writes this node's state into the registry every `intervalMs`; a failed write is logged, never fatal. */
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
    this.timer = setInterval(() => void this.beat(), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
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
