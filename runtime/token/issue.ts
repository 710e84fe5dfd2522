import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Strategy } from '../contract/strategies';
import { hmacKey } from './hmac-key';
import type { TokenKeyRing } from './keys';

/** A connection token lives seconds, not minutes: it only has to survive the trip to the node. */
export const MAX_TOKEN_TTL_SECONDS = 300;
const DEFAULT_TTL_SECONDS = 30;

export interface IssueOptions {
  /** The user the token is for. */
  subject: string;
  /** Node id (`direct`) or the balancer's name (`nlb`, `haproxy`). */
  audience: string;
  /**
   * The path the token was handed out for (claim `strategy`): a node moves clients whose path is no longer the
   * current one (docs/decisions/0150-nodes-move-clients-off-the-old-path.md). @default - none: never moved
   */
  strategy?: Strategy;
  /** @default 30 */
  ttlSeconds?: number;
  /** @default Date.now() */
  now?: number;
}

export interface IssuedToken {
  token: string;
  jti: string;
  expiresAt: number;
}

export async function issueToken(keys: TokenKeyRing, options: IssueOptions): Promise<IssuedToken> {
  const ttl = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TOKEN_TTL_SECONDS) {
    throw new RangeError(`ttlSeconds must be an integer from 1 to ${MAX_TOKEN_TTL_SECONDS}, got ${ttl}`);
  }
  const iat = Math.floor((options.now ?? Date.now()) / 1000);
  const jti = randomUUID();
  const token = await new SignJWT(options.strategy ? { strategy: options.strategy } : {})
    .setProtectedHeader({ alg: 'HS256', kid: keys.signing.kid, typ: 'JWT' })
    .setSubject(options.subject)
    .setAudience(options.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttl)
    .setJti(jti)
    .sign(await hmacKey(keys.signing.secret));
  return { token, jti, expiresAt: (iat + ttl) * 1000 };
}
