import { createHmac } from 'node:crypto';
import fc from 'fast-check';

export interface GateCase {
  request: string;
  /** Whether the node may let it in (101); else it must answer 401/403. */
  acceptable: boolean;
  /** A well-formed, valid token for this node: the node must let it in. */
  valid?: boolean;
  /** Not a well-formed request (oversized headers, bad escapes): the node drops it (0) or says 400/431. */
  broken: boolean;
}

export const TOKEN_STATUSES = new Set([101, 401, 403]);
export const BROKEN_STATUSES = new Set([400, 431]);

const now = () => Math.floor(Date.now() / 1000);
const anyValue = fc.oneof(
  fc.constant(undefined),
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
);

/** Signs by hand so claims no JWT library would write (NaN, wrong types, alg none) reach the node. */
function sign(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  secret: Buffer,
  alg: string,
) {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64(header)}.${b64(payload)}`;
  if (alg === 'none') return `${input}.`;
  const h = alg === 'HS512' ? 'sha512' : 'sha256';
  return `${input}.${createHmac(h, secret).update(input).digest('base64url')}`;
}

const upgrade = (target: string, protocol?: string, extra = '') =>
  `GET ${target} HTTP/1.1\r\nHost: n\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
  `${protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : ''}${extra}\r\n`;

/**
 * Upgrades to the node `nodeId` with every claim of the token perturbed, wrong keys and algorithms, junk
 * tokens, broken UTF-8 and oversized headers; the token rides in the query or in the sub-protocol.
 */
export function upgradeRequests(nodeId: string, kid: string, secret: Buffer) {
  const claims = fc.record({
    sub: fc.oneof(fc.constant('demo'), fc.constant('demo'), anyValue),
    aud: fc.oneof(fc.constant(nodeId), fc.constant([nodeId]), fc.constant('node-other'), anyValue),
    exp: fc.oneof(fc.constant(now() + 30), fc.constant(now() - 30), anyValue),
    iat: fc.oneof(fc.constant(now()), anyValue),
    jti: fc.oneof(fc.constant('j'), anyValue),
  });
  const signed = fc
    .tuple(
      claims,
      fc.constantFrom(kid, kid, 'other', undefined),
      fc.constantFrom('HS256', 'HS256', 'HS512', 'none'),
      fc.boolean(),
    )
    .map(([c, k, alg, rightKey]) => {
      const key = rightKey ? secret : Buffer.alloc(32, 7);
      const token = sign({ alg, ...(k ? { kid: k } : {}) }, c, key, alg);
      const ok =
        rightKey &&
        k === kid &&
        alg === 'HS256' &&
        typeof c.sub === 'string' &&
        c.sub.length > 0 &&
        (c.aud === nodeId || (Array.isArray(c.aud) && c.aud.includes(nodeId))) &&
        typeof c.exp === 'number' &&
        c.exp > now() &&
        typeof c.iat === 'number' &&
        typeof c.jti === 'string';
      return { token, ok };
    });
  const junk = fc
    .oneof(
      fc.string({ maxLength: 2000 }),
      fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a).toString('latin1')),
    )
    .map((token) => ({ token, ok: false }));
  return fc
    .tuple(
      fc.oneof({ weight: 4, arbitrary: signed }, { weight: 1, arbitrary: junk }),
      fc.boolean(),
      fc.nat(20),
    )
    .map(([{ token, ok }, inQuery, pick]): GateCase => {
      if (pick === 0) {
        const big = `X-Big: ${'b'.repeat(20_000)}\r\n`;
        return { request: upgrade('/', undefined, big), acceptable: false, broken: true };
      }
      if (pick === 2) {
        const claims = { sub: 'demo', aud: nodeId, exp: now() + 30, iat: now(), jti: `j${token.length}` };
        const good = sign({ alg: 'HS256', kid }, claims, secret, 'HS256');
        const request = inQuery ? upgrade(`/?token=${good}`) : upgrade('/', `wslb, token.${good}`);
        return { request, acceptable: true, valid: true, broken: false };
      }
      if (pick === 1) return { request: upgrade('/%ff%fe?token=%c3%28'), acceptable: false, broken: false };
      const safeProtocol = /^[A-Za-z0-9._~-]+$/.test(token);
      if (inQuery || !safeProtocol) {
        return { request: upgrade(`/?token=${encodeURIComponent(token)}`), acceptable: ok, broken: false };
      }
      return { request: upgrade('/', `wslb, token.${token}`), acceptable: ok, broken: false };
    });
}
