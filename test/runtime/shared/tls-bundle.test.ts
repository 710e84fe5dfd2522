import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeLocalCa } from '../../../runtime/local/tls-ca';
import { parseTlsBundle } from '../../../runtime/shared/tls-bundle';
import { toolOrSkip } from '../haproxy/helpers/tools';

const openssl = toolOrSkip('openssl', 'apt-get install -y openssl');
const maybe = openssl ? describe : describe.skip;

maybe('parseTlsBundle', () => {
  const dirs = [mkdtempSync(join(tmpdir(), 'wslb-bundle-')), mkdtempSync(join(tmpdir(), 'wslb-bundle-'))];
  let a: { cert: string; key: string; ca: string };
  let b: { cert: string; key: string };
  beforeAll(async () => {
    const [ca1, ca2] = await Promise.all(dirs.map((dir) => makeLocalCa(dir, { openssl })));
    a = {
      cert: readFileSync(ca1!.certFile, 'utf8'),
      key: readFileSync(ca1!.keyFile, 'utf8'),
      ca: readFileSync(ca1!.caFile, 'utf8'),
    };
    b = { cert: readFileSync(ca2!.certFile, 'utf8'), key: readFileSync(ca2!.keyFile, 'utf8') };
  }, 60_000);
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('splits certificates and key, in any order, with blank lines and CRLF, and reads the leaf', () => {
    const text = `\r\n${a.key.replace(/\n/g, '\r\n')}\n\n${a.cert}\n\n${a.ca}`;
    const bundle = parseTlsBundle(text, 'test bundle');
    expect(bundle.cert).toBe(`${a.cert.trim()}\n${a.ca.trim()}\n`);
    expect(bundle.key).toBe(`${a.key.trim()}\n`);
    expect(bundle.pem).toBe(bundle.cert + bundle.key);
    expect(bundle.pem).not.toMatch(/\n\n|\r/);
    expect(bundle.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost');
    expect(bundle.validTo.getTime()).toBeGreaterThan(Date.now());
    expect(bundle.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it.each([
    ['no certificate', () => a.key, 'test bundle: no CERTIFICATE block'],
    ['no key', () => a.cert, 'test bundle: 0 private key blocks'],
    ['two keys', () => a.cert + a.key + b.key, 'test bundle: 2 private key blocks'],
    ['a key of another certificate', () => a.cert + b.key, 'does not belong to the first certificate'],
    ['the intermediate first', () => a.ca + a.cert + a.key, 'does not belong to the first certificate'],
    [
      'a broken certificate',
      () => `-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n${a.key}`,
      'the first certificate does not parse',
    ],
    ['not PEM at all', () => '{"cert":"x"}', 'no CERTIFICATE block'],
  ])('refuses %s, naming the source and never echoing the key', (_, text, message) => {
    let error: Error | undefined;
    try {
      parseTlsBundle(text(), 'test bundle');
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toContain(message);
    expect(error?.message).toContain('accepted: PEM text');
    expect(error?.message).not.toContain('PRIVATE KEY-----\n');
    expect(error?.message).not.toContain(a.key.split('\n')[1]);
  });
});
