import type { Logger } from 'pino';
import { readSecret, type SecretSource } from './secret-source';

/** A value parsed from a secret, read again in the background so a change takes effect without a restart. */
export interface Refreshing<T> {
  current(): T;
  stop(): void;
}

/**
 * Read `source`, parse it, and re-read it every `refreshMs` ms. A failed read or parse keeps the current value
 * and logs a warning naming `what` (never the secret's content); the first read's failure is thrown.
 * @throws what `readSecret` or `parse` throws on the first read
 */
export async function refreshingSecret<T>(
  source: SecretSource,
  parse: (text: string) => T,
  options: { refreshMs: number; log: Logger; what: string },
): Promise<Refreshing<T>> {
  let value = parse(await readSecret(source));
  const timer = setInterval(() => {
    readSecret(source)
      .then((text) => {
        value = parse(text);
      })
      .catch((err: Error) =>
        options.log.warn({ err: err.message }, `${options.what} refresh failed; keeping the current one`),
      );
  }, options.refreshMs);
  timer.unref();
  return { current: () => value, stop: () => clearInterval(timer) };
}
