export type GateResult<T> = { admitted: true; value: T } | { admitted: false };

/**
 * At most `limit` tasks at once and at most `queueLimit` waiting; a task beyond both is refused at
 * once instead of queued without bound. A slot is released on every exit path of the task.
 */
export class ConcurrencyGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly limit: number,
    readonly queueLimit: number,
  ) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`limit: a positive integer (got ${limit})`);
    if (!Number.isInteger(queueLimit) || queueLimit < 0) {
      throw new RangeError(`queueLimit: an integer >= 0 (got ${queueLimit})`);
    }
  }

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<GateResult<T>> {
    if (this.running < this.limit) {
      this.running += 1;
    } else if (this.waiting.length < this.queueLimit) {
      // The releasing task hands its slot over: `running` stays as it is.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      return { admitted: false };
    }
    try {
      return { admitted: true, value: await task() };
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
