import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findExecutable } from '../haproxy/agent/haproxy-binary';

const run = promisify(execFile);

/** Files of a local certificate authority and the one server certificate it issued (all PEM). */
export interface LocalCa {
  /** The CA certificate: what clients trust (`ca` of `ws`/`https`, `NODE_EXTRA_CA_CERTS`). */
  readonly caFile: string;
  /** The server certificate (leaf) alone, and its private key: a Node HTTPS server's `cert` and `key`. */
  readonly certFile: string;
  readonly keyFile: string;
  /** Leaf and key in one file: HAProxy's `crt`, and the bundle format a certificate secret holds. */
  readonly bundleFile: string;
}

/** The names the local certificate covers: every local listener is on loopback. */
export const LOCAL_TLS_NAMES = ['IP:127.0.0.1', 'DNS:localhost'] as const;

/** openssl's path, or an Error that says how to install it. */
export function requireOpenssl(): string {
  const path = findExecutable('openssl');
  if (!path) throw new Error('openssl not found: apt-get install -y openssl (needed for --tls)');
  return path;
}

/**
 * Makes a throwaway CA and a server certificate it signs for `names` (subjectAltName entries), with the
 * openssl CLI, into `dir` (made if missing; the caller owns and removes it). P-256 keys, valid `days` days; the CA key is
 * deleted once the leaf is signed, so nothing else can be issued under it.
 */
export async function makeLocalCa(
  dir: string,
  options: { names?: readonly string[]; days?: number; openssl?: string; label?: string } = {},
): Promise<LocalCa> {
  const openssl = options.openssl ?? requireOpenssl();
  const days = String(options.days ?? 2);
  const label = options.label ?? 'wslb local';
  const names = (options.names ?? LOCAL_TLS_NAMES).join(',');
  const f = (name: string) => join(dir, name);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const opts = { timeout: 30_000 };
  await run(
    openssl,
    ['req', '-x509', ...ec, '-keyout', f('ca-key.pem'), '-out', f('ca.pem'), '-days', days]
      .concat(['-subj', `/CN=${label} CA`])
      .concat(['-addext', 'basicConstraints=critical,CA:TRUE'])
      .concat(['-addext', 'keyUsage=critical,keyCertSign,cRLSign']),
    opts,
  );
  await run(
    openssl,
    ['req', ...ec, '-keyout', f('key.pem'), '-out', f('leaf.csr'), '-subj', `/CN=${label} server`],
    opts,
  );
  await writeFile(
    f('leaf.ext'),
    `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${names}\n`,
  );
  await run(
    openssl,
    ['x509', '-req', '-in', f('leaf.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca-key.pem')].concat([
      '-CAcreateserial',
      '-out',
      f('cert.pem'),
      '-days',
      days,
      '-extfile',
      f('leaf.ext'),
    ]),
    opts,
  );
  for (const name of ['ca-key.pem', 'leaf.csr', 'ca.srl', 'leaf.ext']) await rm(f(name), { force: true });
  const bundle = (await readFile(f('cert.pem'), 'utf8')) + (await readFile(f('key.pem'), 'utf8'));
  await writeFile(f('bundle.pem'), bundle, { mode: 0o600 });
  return { caFile: f('ca.pem'), certFile: f('cert.pem'), keyFile: f('key.pem'), bundleFile: f('bundle.pem') };
}
