import { createPrivateKey, X509Certificate } from 'node:crypto';

/**
 * A certificate bundle as an operator stores it (one Secrets Manager secret string, or one file): PEM blocks,
 * the leaf certificate first, then its intermediates, and its private key (unencrypted) anywhere in the text.
 * HAProxy reads the same concatenation from a `crt` file.
 */
export interface TlsBundle {
  /** The certificates, leaf first, as PEM. */
  readonly cert: string;
  /** The private key, as PEM. */
  readonly key: string;
  /** Certificates and key in one PEM text without blank lines (HAProxy's `crt` file and `set ssl cert` payload). */
  readonly pem: string;
  /** The leaf certificate's subjectAltName, e.g. `DNS:*.ws.example.com, IP Address:127.0.0.1`. */
  readonly subjectAltName: string;
  /** The leaf certificate's end of validity. */
  readonly validTo: Date;
  /** SHA-256 fingerprint of the leaf certificate (logged to tell certificates apart; not secret). */
  readonly fingerprint: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?-----END \1-----/g;

/**
 * Parses and checks a bundle: at least one certificate, exactly one private key, and the key belongs to the
 * first certificate. Throws an Error naming `what` (where the text came from) and the problem; the message
 * never contains key material.
 */
export function parseTlsBundle(text: string, what: string): TlsBundle {
  const blocks = [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1]!, pem: m[0].replace(/\r/g, '') }));
  const certs = blocks.filter((b) => b.label === 'CERTIFICATE').map((b) => b.pem);
  const keys = blocks.filter((b) => /PRIVATE KEY$/.test(b.label));
  const fail = (problem: string) =>
    new Error(
      `${what}: ${problem}; accepted: PEM text with the certificate, its intermediates and its ` +
        'unencrypted private key',
    );
  if (certs.length === 0) throw fail('no CERTIFICATE block');
  if (keys.length !== 1) throw fail(`${keys.length} private key blocks`);
  if (keys[0]!.label === 'ENCRYPTED PRIVATE KEY') throw fail('the private key is encrypted');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(certs[0]!);
  } catch (error) {
    throw fail(`the first certificate does not parse (${(error as Error).message})`);
  }
  try {
    if (!leaf.checkPrivateKey(createPrivateKey(keys[0]!.pem))) throw new Error('mismatch');
  } catch {
    throw fail('the private key does not belong to the first certificate');
  }
  const cert = `${certs.join('\n')}\n`;
  const key = `${keys[0]!.pem}\n`;
  return {
    cert,
    key,
    pem: `${cert}${key}`,
    subjectAltName: leaf.subjectAltName ?? '',
    validTo: new Date(leaf.validTo),
    fingerprint: leaf.fingerprint256,
  };
}
