/**
 * Virtual time for code that waits through an injected `sleep` and does real I/O in between: the clock
 * moves to the next wake-up only once every task it runs is asleep, so loops interleave as they would in
 * real time, without waiting for it. Tasks never use real timers for their waits.
 */
export class VirtualClock {
  now = 0;
  private running = 0;
  private sleepers: { at: number; seq: number; wake: () => void }[] = [];
  private seq = 0;
  private failure: unknown;

  /** The injected sleep: resolves when virtual time reaches now + ms. */
  readonly sleep = (ms: number): Promise<void> =>
    new Promise<void>((wake) => {
      this.sleepers.push({ at: this.now + Math.max(0, ms), seq: this.seq++, wake });
    });

  /** Runs `task` as part of the simulation: the clock waits for it whenever it is not asleep. */
  spawn<T>(task: () => Promise<T>): Promise<T> {
    this.running++;
    const done = (async () => task())();
    done.then(
      () => this.running--,
      (error: unknown) => {
        this.running--;
        this.failure ??= error;
      },
    );
    return done;
  }

  /** Runs `task` once virtual time reaches `at`. */
  at<T>(at: number, task: () => Promise<T>): Promise<T> {
    return this.spawn(async () => {
      await this.sleep(at - this.now);
      return task();
    });
  }

  /** Wakes every sleeper now (to let aborted loops see their signal and end). */
  wakeAll(): void {
    for (const s of this.sleepers.splice(0)) s.wake();
  }

  /** Advances until every task has ended or the clock passes `until`; sleepers past it stay asleep. */
  async run(until: number, realTimeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + realTimeoutMs;
    for (;;) {
      // Real I/O (files, loopback HTTP) completes on the event loop: wait until every task is asleep.
      while (this.sleepers.length < this.running) {
        if (this.failure) throw this.failure;
        if (Date.now() > deadline)
          throw new Error(`virtual clock: tasks busy for ${realTimeoutMs} ms of real time`);
        await new Promise((r) => setTimeout(r, 1));
      }
      if (this.failure) throw this.failure;
      this.sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.sleepers[0];
      if (!next || next.at > until) return;
      this.sleepers.shift();
      this.now = next.at;
      next.wake();
      await new Promise((r) => setImmediate(r));
    }
  }
}
