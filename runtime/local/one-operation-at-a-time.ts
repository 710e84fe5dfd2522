/** Refused because another operation on the cluster is running (`running`: what, e.g. "switch to haproxy"). */
export class ClusterBusyError extends Error {
  constructor(readonly running: string) {
    super(`${running} is running: try again once it has ended`);
    this.name = 'ClusterBusyError';
  }
}

/**
 * Runs the cluster's state-changing operations (switch, retire) one at a time: each reads and then changes the
 * current and retiring path over several awaits, so an overlap (a retire during a switch's auth update) would
 * act on a half-made change. A second operation is refused, not queued: its caller learns what runs.
 */
export class OneOperationAtATime {
  private current?: { what: string; done: Promise<void> };

  /**
   * Run `operation` now, named `what` for whoever is refused meanwhile.
   * @throws ClusterBusyError (as a rejection) while another operation runs; else what `operation` throws
   */
  run<T>(what: string, operation: () => Promise<T>): Promise<T> {
    if (this.current) return Promise.reject(new ClusterBusyError(this.current.what));
    const result = (async () => operation())();
    const done = result.then(
      () => undefined,
      () => undefined,
    );
    this.current = { what, done };
    void done.then(() => {
      if (this.current?.done === done) this.current = undefined;
    });
    return result;
  }

  /** Resolves once no operation runs (at once when none does). */
  async idle(): Promise<void> {
    while (this.current) await this.current.done;
  }
}
