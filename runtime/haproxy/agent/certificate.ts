import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../../shared/log';
import type { TlsBundle } from '../../shared/tls-bundle';
import { cliCommand } from './master-cli';
import type { Reloader } from './reloader';

export class CertificateSwapError extends Error {}

/**
 * Replaces the certificate of the running worker through the runtime API (docs/decisions/0155-haproxy-tls-
 * certificate-hot-swap.md): `set ssl cert <file> <<` with the PEM as payload opens a transaction, `commit ssl
 * cert <file>` puts it into service. New handshakes get the new certificate; established connections keep
 * theirs; no process is started or stopped. `file` must be the path the config's `crt` names.
 */
export async function swapCertificate(statsSocket: string, file: string, bundle: TlsBundle): Promise<void> {
  // The payload ends at the first empty line: the bundle's PEM has none.
  const set = (await cliCommand(statsSocket, `set ssl cert ${file} <<\n${bundle.pem}`)).trim();
  if (!/^Transaction (created|updated) for certificate /.test(set)) {
    await cliCommand(statsSocket, `abort ssl cert ${file}`).catch(() => undefined);
    throw new CertificateSwapError(`haproxy runtime API: "set ssl cert ${file}" answered "${set}"`);
  }
  const commit = (await cliCommand(statsSocket, `commit ssl cert ${file}`)).trim();
  if (!/Success!$/.test(commit)) {
    await cliCommand(statsSocket, `abort ssl cert ${file}`).catch(() => undefined);
    throw new CertificateSwapError(`haproxy runtime API: "commit ssl cert ${file}" answered "${commit}"`);
  }
}

/** Writes the bundle where the config's `crt` reads it: mode 0600, renamed into place (never half-written). */
export async function writeCertificateFile(file: string, bundle: TlsBundle): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, bundle.pem, { mode: 0o600 });
    await rename(temp, file);
  } finally {
    await rm(temp, { force: true });
  }
}

export interface HaproxyCertificateOptions {
  /** The file the rendered config's `bind … ssl crt` names. */
  readonly file: string;
  /** The worker's runtime API socket (`stats socket … level admin`). */
  readonly statsSocket: string;
  readonly reloader: Reloader;
  readonly logger: Logger;
}

/**
 * The `apply` of a TLS refresh on a HAProxy instance: the file first (a later start or reload reads it),
 * then, when HAProxy runs, the hot swap; if the runtime API refuses, a hitless reload (the listeners pass to
 * the new worker, the old one keeps its WebSockets) loads the file instead.
 */
export function haproxyCertificateApplier(options: HaproxyCertificateOptions) {
  return async (bundle: TlsBundle): Promise<void> => {
    await writeCertificateFile(options.file, bundle);
    if (!(await options.reloader.running())) return;
    try {
      await swapCertificate(options.statsSocket, options.file, bundle);
      options.logger.info(
        { event: 'tls_certificate_swapped', fingerprint: bundle.fingerprint },
        'certificate replaced in the running worker through the runtime API (no reload)',
      );
    } catch (error) {
      options.logger.warn(
        { event: 'tls_certificate_swap_failed', err: error },
        'runtime API refused the certificate; reloading to load it from the file',
      );
      await options.reloader.reload();
    }
  };
}
