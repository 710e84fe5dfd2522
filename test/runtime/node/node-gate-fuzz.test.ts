import { createHmac } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import type { NodeServer } from '../../../runtime/node/node-server';
import { issueToken } from '../../../runtime/token';
import { testKeyRing } from '../../helpers/keys';
import { openFileCount, rawRequest } from '../../helpers/raw-http';
import { testNodeServer } from '../../helpers/test-node';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
jest.setTimeout(120_000);

const keys = testKeyRing('k1');
let server: NodeServer;
let port: number;

beforeAll(async () => {
  server = testNodeServer(keys, { maxConnections: 100_000, headersTimeoutMs: 1000 });
  port = await server.listen('127.0.0.1', 0);
});
afterAll(() => server.close());

const upgrade = (token: string) =>
  `GET /?token=${encodeURIComponent(token)} HTTP/1.1\r\nHost: n\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

const rawUpgrade = (token: string) => rawRequest(port, upgrade(token), 5000, false);

const now = () => Math.floor(Date.now() / 1000);
const claimValue = fc.oneof(
  fc.constant(undefined),
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.array(fc.string()),
);
const claims = fc.record({
  sub: fc.oneof(fc.constant('alice'), claimValue),
  aud: fc.oneof(fc.constant('node-1'), fc.constant(['node-1']), fc.constant('node-2'), claimValue),
  exp: fc.oneof(fc.constant(now() + 30), fc.constant(now() - 30), claimValue),
  iat: fc.oneof(fc.constant(now()), claimValue),
  jti: fc.oneof(fc.constant('j'), claimValue),
});

/** What the node must require before it lets a client in. */
const acceptable = (c: Record<string, unknown>) =>
  typeof c.sub === 'string' &&
  c.sub.length > 0 &&
  (c.aud === 'node-1' || (Array.isArray(c.aud) && c.aud.includes('node-1'))) &&
  typeof c.exp === 'number' &&
  c.exp > now() &&
  typeof c.iat === 'number' &&
  typeof c.jti === 'string';

/** Signs by hand, so that claims no JWT library would produce (NaN, Infinity, wrong types) reach the node. */
async function sign(
  payload: Record<string, unknown>,
  kid: string | undefined,
  secret: Uint8Array,
): Promise<string> {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64({ alg: 'HS256', ...(kid ? { kid } : {}) })}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

describe('node upgrade gate under generated tokens', () => {
  it(`lets in only well-formed, valid tokens for this node over ${RUNS} generated tokens`, async () => {
    const baseline = openFileCount();
    await fc.assert(
      fc.asyncProperty(
        claims,
        fc.constantFrom('k1', 'k1', 'other', undefined),
        fc.boolean(),
        async (c, kid, rightKey) => {
          const secret = rightKey ? keys.signing.secret : new TextEncoder().encode('x'.repeat(32));
          const status = await rawUpgrade(await sign(c, kid, secret));
          expect([101, 401, 403]).toContain(status);
          if (status === 101) expect(rightKey && kid === 'k1' && acceptable(c)).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 2000 }), async (junk) => {
        expect([401, 403]).toContain(await rawUpgrade(junk));
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
    const { token } = await issueToken(keys, { subject: 'alice', audience: 'node-1' });
    expect(await rawUpgrade(token)).toBe(101);
    await new Promise((r) => setTimeout(r, 200));
    expect(openFileCount()).toBeLessThanOrEqual(baseline + 5);
  });

  it('cuts off clients that trickle their upgrade headers (slowloris), and still serves others', async () => {
    const baseline = openFileCount();
    const slow: Socket[] = [];
    const closed: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => {});
      s.write('GET / HTTP/1.1\r\nHost: n\r\nUpgrade: websocket\r\n');
      closed.push(new Promise((r) => s.on('close', () => r())));
      slow.push(s);
    }
    const trickle = setInterval(() => {
      for (const s of slow) if (!s.destroyed) s.write('X-A: b\r\n');
    }, 200);
    try {
      const { token } = await issueToken(keys, { subject: 'alice', audience: 'node-1' });
      expect(await rawUpgrade(token)).toBe(101);
      await Promise.race([
        Promise.all(closed),
        new Promise((_, reject) => setTimeout(() => reject(new Error('not cut off')), 5000)),
      ]);
    } finally {
      clearInterval(trickle);
      for (const s of slow) s.destroy();
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(openFileCount()).toBeLessThanOrEqual(baseline + 5);
  });

  it('closes connections that never send a byte, and keeps an open WebSocket that is quiet', async () => {
    const baseline = openFileCount();
    const { token } = await issueToken(keys, { subject: 'alice', audience: 'node-1' });
    const quietUpgrade = connect(port, '127.0.0.1');
    quietUpgrade.on('error', () => {});
    quietUpgrade.write(upgrade(token));
    const silent: Socket[] = [];
    const closed: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => {});
      closed.push(new Promise((r) => s.on('close', () => r())));
      silent.push(s);
    }
    try {
      // headersTimeoutMs is 1 s here: an idle socket is closed after it (the check runs every second).
      await Promise.race([
        Promise.all(closed),
        new Promise((_, reject) => setTimeout(() => reject(new Error('silent sockets kept')), 15_000)),
      ]);
      // The upgraded socket stays, though it then says nothing for well over the idle limit.
      await new Promise((r) => setTimeout(r, 2500));
      expect(quietUpgrade.destroyed).toBe(false);
    } finally {
      for (const s of silent) s.destroy();
      quietUpgrade.destroy();
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(openFileCount()).toBeLessThanOrEqual(baseline + 5);
  });
});
