/**
 * An abort signal raised by SIGTERM or SIGINT, and a sleep that ends early when it is raised: a long-running
 * program's loops wait with `sleep` and stop promptly when systemd stops the service.
 */
export function stopSignal(): { signal: AbortSignal; sleep: (ms: number) => Promise<void> } {
  const controller = new AbortController();
  process.once('SIGTERM', () => controller.abort());
  process.once('SIGINT', () => controller.abort());
  // Each sleep removes its abort listener when it ends: a loop sleeps for months.
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (controller.signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        controller.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      controller.signal.addEventListener('abort', done, { once: true });
    });
  return { signal: controller.signal, sleep };
}
