import type { Logger } from 'pino';
import { readSecret, type SecretSource } from './secret-source';
import { parseTlsBundle, type TlsBundle } from './tls-bundle';

/** How often a certificate is re-read from its secret unless configured otherwise (5 min). */
export const TLS_REFRESH_MS_DEFAULT = 300_000;

export interface TlsRefreshOptions {
  /** Where the bundle lives: Secrets Manager in AWS, a file locally. */
  readonly source: SecretSource;
  /** Puts a new bundle into service (write a file, hot-swap it into the server). A throw keeps the old one. */
  readonly apply: (bundle: TlsBundle) => Promise<void>;
  /** Interval of the re-reads, ms. @default {@link TLS_REFRESH_MS_DEFAULT} */
  readonly refreshMs?: number;
  readonly log: Logger;
}

/** A certificate kept current: the bundle in service and the loop that replaces it when the secret changes. */
export interface TlsRefresh {
  current(): TlsBundle;
  /** One re-read now: `changed` when a new bundle was applied, `same` when the secret has not changed. */
  refresh(): Promise<'changed' | 'same'>;
  stop(): void;
}

function describe(source: SecretSource): string {
  return source.kind === 'file' ? `certificate file ${source.path}` : `certificate secret ${source.arn}`;
}

/**
 * Loads the bundle (throws when it cannot be read or is not a valid bundle: a server must not start with
 * a certificate it cannot serve), applies it, then re-reads it every `refreshMs`. A re-read that fails, or
 * returns a bundle that does not parse or whose apply throws, is logged and the current certificate stays
 * in service; the next interval tries again.
 */
export async function startTlsRefresh(options: TlsRefreshOptions): Promise<TlsRefresh> {
  const what = describe(options.source);
  const load = async () => parseTlsBundle(await readSecret(options.source), what);
  let bundle = await load();
  await options.apply(bundle);
  options.log.info(
    { event: 'tls_certificate_loaded', fingerprint: bundle.fingerprint, validTo: bundle.validTo },
    `${what} in service`,
  );
  let running: Promise<'changed' | 'same'> | undefined;
  const refresh = () => {
    running ??= (async () => {
      const next = await load();
      if (next.pem === bundle.pem) return 'same' as const;
      await options.apply(next);
      options.log.info(
        {
          event: 'tls_certificate_rotated',
          fingerprint: next.fingerprint,
          previous: bundle.fingerprint,
          validTo: next.validTo,
        },
        `${what} changed; the new certificate is in service for new connections`,
      );
      bundle = next;
      return 'changed' as const;
    })().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    refresh().catch((err: Error) =>
      options.log.warn(
        { event: 'tls_refresh_failed', err: err.message },
        `${what}: re-read failed; keeping the certificate in service`,
      ),
    );
  }, options.refreshMs ?? TLS_REFRESH_MS_DEFAULT);
  timer.unref();
  return { current: () => bundle, refresh, stop: () => clearInterval(timer) };
}
