import type { Logger } from 'pino';
import { type Refreshing, refreshingSecret } from '../shared/refreshing-secret';
import { readSecret, type SecretSource } from '../shared/secret-source';
import { parseKeyRing, type TokenKeyRing } from './keys';

/** The current key ring, re-read in the background so a rotated secret takes effect without a restart. */
export type KeyRingProvider = Refreshing<TokenKeyRing>;

export async function loadKeyRing(source: SecretSource): Promise<TokenKeyRing> {
  return parseKeyRing(await readSecret(source));
}

export function refreshingKeyRing(
  source: SecretSource,
  refreshMs: number,
  log: Logger,
): Promise<KeyRingProvider> {
  return refreshingSecret(source, parseKeyRing, { refreshMs, log, what: 'token key' });
}
