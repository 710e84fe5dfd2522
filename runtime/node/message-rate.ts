import type { Pausable } from './read-gate';

/**
 * A token bucket of `perSecond` messages (a second's worth of burst) for one client. Past it the node stops reading
 * from the socket until the bucket has refilled: TCP pushes back on the client, nothing is dropped or closed, and
 * one client cannot take more than its share of the event loop. A whole socket read already parsed still
 * arrives, so the rate holds on average, not per message.
 */
export class MessageRate {
  private allowance: number;
  private at = Date.now();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly ws: Pausable,
    private readonly perSecond: number,
  ) {
    this.allowance = perSecond;
  }

  /** Count one message or control frame. */
  take(): void {
    this.refill();
    this.allowance -= 1;
    if (this.allowance >= 0 || this.timer) return;
    this.ws.pause();
    this.waitForAllowance();
  }

  private refill(): void {
    const now = Date.now();
    this.allowance = Math.min(this.perSecond, this.allowance + ((now - this.at) * this.perSecond) / 1000);
    this.at = now;
  }

  /** The rest of a parsed read may still be counted after the pause, so the deficit is read when the timer fires. */
  private waitForAllowance(): void {
    this.timer = setTimeout(
      () => {
        this.refill();
        if (this.allowance < 0) return this.waitForAllowance();
        this.timer = undefined;
        this.ws.resume();
      },
      Math.ceil((-this.allowance * 1000) / this.perSecond),
    );
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
