import type { WebSocket } from 'ws';

/** Something that can stop and restart reading from a peer (a `ws` WebSocket, or one reason of a {@link ReadGate}). */
export interface Pausable {
  pause(): void;
  resume(): void;
}

/**
 * Reading from a client stops while any reason holds it (the message rate, a slow upstream) and starts again only
 * when the last is released, so one reason's `resume` cannot undo another's `pause`. `ws` stops reading the socket
 * (TCP pushes back on the peer); messages already parsed from the last read may still arrive.
 */
export class ReadGate {
  /** Made at the first hold: most clients are never held. */
  private holds?: Set<string>;

  constructor(private readonly ws: Pick<WebSocket, 'pause' | 'resume'>) {}

  hold(reason: string): void {
    this.holds ??= new Set();
    if (this.holds.size === 0) this.ws.pause();
    this.holds.add(reason);
  }

  release(reason: string): void {
    if (this.holds?.delete(reason) && this.holds.size === 0) this.ws.resume();
  }

  /** Whether `reason` holds the gate. */
  holdsFor(reason: string): boolean {
    return this.holds?.has(reason) ?? false;
  }

  /** One reason as a {@link Pausable}. */
  reason(reason: string): Pausable {
    return { pause: () => this.hold(reason), resume: () => this.release(reason) };
  }
}
