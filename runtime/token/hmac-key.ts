import { webcrypto } from 'node:crypto';

const imported = new WeakMap<Uint8Array, Promise<webcrypto.CryptoKey>>();

/**
 * The secret as a WebCrypto HMAC key, imported once per secret. Given raw bytes, jose imports them again
 * on every sign and verify; with the key imported once an HS256 verify took ~50 µs instead of ~80 µs here
 * (see bench/results, node overhead). A rotated key ring brings new arrays, so old keys are dropped with them.
 */
export function hmacKey(secret: Uint8Array): Promise<webcrypto.CryptoKey> {
  let key = imported.get(secret);
  if (!key) {
    key = webcrypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
    imported.set(secret, key);
  }
  return key;
}
