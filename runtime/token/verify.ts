import { decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { TokenError } from './errors';
import type { TokenKeyRing } from './keys';

export interface VerifiedToken {
  subject: string;
  audience: string;
  jti: string;
  expiresAt: number;
}

/**
 * Verify an HS256 connection token against the key ring and the audiences this verifier answers to
 * (a node accepts its own id and, behind a balancer, the balancer's name).
 */
export async function verifyToken(
  keys: TokenKeyRing,
  token: string | undefined,
  audiences: readonly string[],
  now = Date.now(),
): Promise<VerifiedToken> {
  if (!token) throw new TokenError('missing', 'no token');
  let kid: string | undefined;
  try {
    const header = decodeProtectedHeader(token);
    if (header.alg !== 'HS256') throw new TokenError('malformed', `unsupported alg ${String(header.alg)}`);
    kid = header.kid;
  } catch (err) {
    if (err instanceof TokenError) throw err;
    throw new TokenError('malformed', 'token is not a JWT');
  }
  const key = keys.verifying.find((k) => k.kid === kid);
  if (!key) throw new TokenError('bad-signature', 'unknown key id');
  try {
    const { payload } = await jwtVerify(token, key.secret, {
      algorithms: ['HS256'],
      audience: [...audiences],
      currentDate: new Date(now),
      requiredClaims: ['sub', 'aud', 'exp', 'iat', 'jti'],
    });
    const aud = Array.isArray(payload.aud) ? payload.aud[0] : payload.aud;
    return { subject: payload.sub!, audience: aud!, jti: payload.jti!, expiresAt: payload.exp! * 1000 };
  } catch (err) {
    throw mapJoseError(err);
  }
}

function mapJoseError(err: unknown): TokenError {
  if (err instanceof errors.JWTExpired) return new TokenError('expired', 'token expired');
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return new TokenError('bad-signature', 'bad signature');
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return new TokenError('wrong-audience', 'token is for another audience');
    return new TokenError('malformed', `claim ${err.claim} invalid`);
  }
  return new TokenError('malformed', 'token could not be parsed');
}
