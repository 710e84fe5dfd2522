/**
 * An abort signal raised by SIGTERM or SIGINT, and a sleep that ends early when it is raised: a long-running
 * program's loops wait with `sleep` and stop promptly when systemd stops the service.
 */
export function stopSignal(): { signal: AbortSignal; sleep: (ms: number) => Promise<void> } {
  const controller = new AbortController();
  process.once('SIGTERM', () => controller.abort());
  process.once('SIGINT', () => controller.abort());
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (controller.signal.aborted) return resolve();
      const timer = setTimeout(resolve, ms);
      controller.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  return { signal: controller.signal, sleep };
}
