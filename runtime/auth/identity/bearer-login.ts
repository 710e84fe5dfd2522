import type { Logger } from 'pino';
import { type AuthResponse, json } from '../http-types';
import type { OidcVerifier } from './oidc-verifier';

const BEARER = /^Bearer +([A-Za-z0-9\-_=.+/]+)$/i;
// RFC 6750 §3: one answer for every refused token, so the client cannot tell which check failed.
const REFUSED = { 'www-authenticate': 'Bearer error="invalid_token"' };

/**
 * `Authorization: Bearer <ID token>`: the verified token's subject, or the answer to send: 401 for any
 * refused token (the log says which check failed), 503 when the issuer's keys cannot be fetched (the
 * issuer's outage is no reason for a client to give up).
 */
export async function bearerSubject(
  authorization: string,
  verifier: OidcVerifier | undefined,
  log: Logger,
  context: { requestId: string; sourceIp?: string },
): Promise<{ subject: string } | AuthResponse> {
  const token = BEARER.exec(authorization.trim())?.[1];
  if (!token || !verifier) {
    const reason = token ? 'no-issuer' : 'scheme';
    log.info({ ...context, status: 401, reason }, 'bearer token refused');
    return json(401, { error: 'bad credentials' }, REFUSED);
  }
  const result = await verifier.verify(token);
  if (result.ok) return { subject: result.subject };
  if (result.reason === 'jwks-unavailable') {
    log.error(
      { ...context, status: 503, issuer: verifier.issuer, err: result.detail },
      'issuer keys unavailable',
    );
    return json(503, { error: 'identity provider unavailable' }, { 'retry-after': '5' });
  }
  log.info(
    { ...context, status: 401, reason: result.reason, kid: result.kid, detail: result.detail },
    'bearer token refused',
  );
  return json(401, { error: 'bad credentials' }, REFUSED);
}
