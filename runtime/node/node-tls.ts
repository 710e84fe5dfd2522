import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { startTlsRefresh, type TlsRefresh } from '../shared/tls-refresh';
import type { NodeSettings } from './settings';

/** A certificate and key a Node TLS server takes. */
export interface NodeCertificate {
  cert: string;
  key: string;
}

/** The node's certificate: the one to start with, and where later ones go. */
export interface NodeTls {
  readonly initial: NodeCertificate;
  /** Every later certificate is handed here (the server's `setSecureContext`). */
  onChange(apply: (next: NodeCertificate) => void): void;
  stop(): void;
}

/**
 * From TLS_CERT_SECRET_ARN (a bundle, re-read every TLS_REFRESH_SECONDS: a new certificate serves new
 * handshakes, open connections keep theirs) or TLS_CERT_FILE + TLS_KEY_FILE (read once). Undefined without
 * either; throws when the secret or files cannot be read or do not hold a certificate and its key.
 */
export async function nodeTls(settings: NodeSettings, log: Logger): Promise<NodeTls | undefined> {
  if (settings.TLS_CERT_FILE && settings.TLS_KEY_FILE) {
    const initial = {
      cert: readFileSync(settings.TLS_CERT_FILE, 'utf8'),
      key: readFileSync(settings.TLS_KEY_FILE, 'utf8'),
    };
    return { initial, onChange: () => undefined, stop: () => undefined };
  }
  if (!settings.TLS_CERT_SECRET_ARN) return undefined;
  let apply: ((next: NodeCertificate) => void) | undefined;
  const refresh: TlsRefresh = await startTlsRefresh({
    source: { kind: 'secrets-manager', arn: settings.TLS_CERT_SECRET_ARN },
    apply: async (bundle) => apply?.({ cert: bundle.cert, key: bundle.key }),
    refreshMs: settings.TLS_REFRESH_SECONDS * 1000,
    log,
  });
  const { cert, key } = refresh.current();
  return {
    initial: { cert, key },
    onChange: (fn) => {
      apply = fn;
    },
    stop: () => refresh.stop(),
  };
}
