import type { Logger } from 'pino';
import { readSecret, type SecretSource } from '../shared/secret-source';
import { parseKeyRing, type TokenKeyRing } from './keys';

/** The current key ring, re-read in the background so a rotated secret takes effect without a restart. */
export interface KeyRingProvider {
  current(): TokenKeyRing;
  stop(): void;
}

export async function loadKeyRing(source: SecretSource): Promise<TokenKeyRing> {
  return parseKeyRing(await readSecret(source));
}

export async function refreshingKeyRing(
  source: SecretSource,
  refreshMs: number,
  log: Logger,
): Promise<KeyRingProvider> {
  let ring = await loadKeyRing(source);
  const timer = setInterval(() => {
    loadKeyRing(source)
      .then((next) => {
        ring = next;
      })
      .catch((err: Error) =>
        log.warn({ err: err.message }, 'token key refresh failed; keeping the current keys'),
      );
  }, refreshMs);
  timer.unref();
  return { current: () => ring, stop: () => clearInterval(timer) };
}
