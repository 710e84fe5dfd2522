import { decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { z } from 'zod';
import { TokenError } from './errors';
import { hmacKey } from './hmac-key';
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
    const { payload } = await jwtVerify(token, await hmacKey(key.secret), {
      algorithms: ['HS256'],
      audience: [...audiences],
      currentDate: new Date(now),
      requiredClaims: ['sub', 'aud', 'exp', 'iat', 'jti'],
    });
    const claims = claimTypes.safeParse(payload);
    if (!claims.success) throw new TokenError('malformed', 'claims of the wrong type');
    const { sub, aud, jti, exp } = claims.data;
    return { subject: sub, audience: Array.isArray(aud) ? aud[0] : aud, jti, expiresAt: exp * 1000 };
  } catch (err) {
    if (err instanceof TokenError) throw err;
    throw mapJoseError(err);
  }
}

// jose checks that required claims are present and that exp/iat are numbers, not that the rest are strings.
const claimTypes = z.object({
  sub: z.string().min(1),
  aud: z.union([z.string().min(1), z.array(z.string()).min(1)]),
  jti: z.string().min(1),
  exp: z.number(),
  iat: z.number(),
});

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
