import { Writable } from 'node:stream';
import { generateKeyPair, SignJWT } from 'jose';
import pino from 'pino';
import { type AuthService, createAuthService } from '../../../../runtime/auth/auth-service';
import type { AuthRequest, AuthResponse } from '../../../../runtime/auth/http-types';
import type { OidcVerifierOptions } from '../../../../runtime/auth/identity/oidc-verifier';
import { authSettingsSchema } from '../../../../runtime/auth/settings';
import { LocalOidcIssuer } from '../../../../runtime/local/oidc-issuer';
import { parseKeyRing, verifyToken } from '../../../../runtime/token';
import { type AuthFiles, writeAuthFiles } from '../../../helpers/auth-fixture';

let files: AuthFiles;
let issuer: LocalOidcIssuer;
const services: AuthService[] = [];

beforeAll(async () => {
  files = await writeAuthFiles();
  issuer = await LocalOidcIssuer.start({ audience: 'app-client-1' });
});
afterAll(async () => {
  for (const s of services) s.stop();
  await issuer.stop();
  files.remove();
});

/** An auth service trusting `issuer` (strategy nlb: no registry needed), and its log lines. */
async function auth(
  env: Record<string, string> = {},
  oidc: OidcVerifierOptions = { cooldownMs: 0 },
): Promise<{ handle: (req: AuthRequest) => Promise<AuthResponse>; logs: () => Record<string, unknown>[] }> {
  let text = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  const vars: Record<string, string> = {
    STRATEGY: 'nlb',
    PUBLIC_URL: 'wss://ws.example.test',
    BALANCER_NAME: 'wslb-test',
    REGISTRY_TABLE: 'unused',
    ...files.env,
    OIDC_ISSUER: issuer.url,
    OIDC_AUDIENCE: 'app-client-0, app-client-1',
    OIDC_JWKS_URL: issuer.jwksUrl,
    ...env,
  };
  const service = await createAuthService(
    // An empty value is an unset variable, as in the environment.
    authSettingsSchema.parse(Object.fromEntries(Object.entries(vars).filter(([, v]) => v !== ''))),
    pino({ level: 'debug' }, sink),
    { oidc },
  );
  services.push(service);
  return {
    handle: service.handle,
    logs: () =>
      text
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
  };
}

const bearer = (authorization: string, sourceIp = '203.0.113.5'): AuthRequest => ({
  method: 'POST',
  path: '/session',
  body: '',
  requestId: 'r1',
  sourceIp,
  headers: { authorization },
});

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const claims = () => {
  const now = Math.floor(Date.now() / 1000);
  return { iss: issuer.url, aud: 'app-client-1', sub: 'user-42', iat: now, exp: now + 300 };
};

const REFUSED = {
  status: 401,
  headers: expect.objectContaining({ 'www-authenticate': 'Bearer error="invalid_token"' }),
  body: '{"error":"bad credentials"}',
};

describe('OIDC bearer tokens at POST /session', () => {
  it('accepts a good ID token: the wslb token carries its subject', async () => {
    const { handle } = await auth();
    const res = await handle(bearer(`Bearer ${await issuer.issue({ subject: 'user-42' })}`));
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as { url: string; token: string };
    expect(body.url).toBe('wss://ws.example.test');
    const wslb = await verifyToken(parseKeyRing(files.tokenSecretJson), body.token, ['wslb-test']);
    expect(wslb.subject).toBe('user-42');
  });

  it('finds the JWKS through the issuer’s discovery document when no JWKS URL is set', async () => {
    const { handle } = await auth({ OIDC_JWKS_URL: '' });
    const res = await handle(bearer(`Bearer ${await issuer.issue({ subject: 'user-7' })}`));
    expect(res.status).toBe(200);
  });

  const refusals: [string, () => Promise<string>, string][] = [
    ['another issuer', () => issuer.issue({ subject: 'u', issuer: 'https://evil.example.test' }), 'issuer'],
    ['another audience', () => issuer.issue({ subject: 'u', audience: 'someone-else' }), 'audience'],
    ['an expired token', () => issuer.issue({ subject: 'u', expiresInSeconds: -120 }), 'expired'],
    [
      'a payload changed after signing (bad signature)',
      async () => {
        const [h, , s] = (await issuer.issue({ subject: 'u' })).split('.');
        return `${h}.${b64({ ...claims(), sub: 'admin' })}.${s}`;
      },
      'signature',
    ],
    [
      'alg none',
      async () => {
        const [h] = (await issuer.issue({ subject: 'u' })).split('.');
        const { kid } = JSON.parse(Buffer.from(h, 'base64url').toString()) as { kid: string };
        return `${b64({ alg: 'none', typ: 'JWT', kid })}.${b64(claims())}.`;
      },
      'algorithm',
    ],
    [
      'HS256 (an HMAC key where the issuer publishes public keys)',
      async () =>
        new SignJWT(claims())
          .setProtectedHeader({ alg: 'HS256', kid: 'whatever' })
          .sign(new TextEncoder().encode('x'.repeat(32))),
      'algorithm',
    ],
    [
      'a key the issuer does not publish (unknown kid)',
      async () => issuer.issue({ subject: 'u', kid: await issuer.addKey({ publish: false }) }),
      'unknown-kid',
    ],
    [
      'a key of someone else under a known kid',
      async () => {
        const [h] = (await issuer.issue({ subject: 'u' })).split('.');
        const { kid } = JSON.parse(Buffer.from(h, 'base64url').toString()) as { kid: string };
        const { privateKey } = await generateKeyPair('RS256');
        return new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey);
      },
      'signature',
    ],
    ['no subject', async () => issuer.issue({ subject: '' }), 'claims'],
    ['not a JWT', async () => 'abc.def', 'malformed'],
  ];

  it.each(refusals)(
    'refuses %s with a bare 401; the log says which check failed',
    async (_what, make, reason) => {
      const { handle, logs } = await auth();
      const token = await make();
      const res = await handle(bearer(`Bearer ${token}`));
      expect(res).toMatchObject(REFUSED);
      const line = logs().find((l) => l.msg === 'bearer token refused');
      expect(line).toMatchObject({ reason, status: 401, requestId: 'r1' });
      expect(JSON.stringify(logs())).not.toContain(token);
    },
  );

  it('follows a key rotation: a token signed with a newly published key is accepted', async () => {
    const { handle } = await auth();
    expect((await handle(bearer(`Bearer ${await issuer.issue({ subject: 'before' })}`))).status).toBe(200);
    const fetches = issuer.jwksRequests;
    const next = await issuer.addKey();
    const res = await handle(bearer(`Bearer ${await issuer.issue({ subject: 'after', kid: next })}`));
    expect(res.status).toBe(200);
    expect(issuer.jwksRequests).toBe(fetches + 1);
    // Known keys come from the cache: no fetch per login.
    await handle(bearer(`Bearer ${await issuer.issue({ subject: 'again', kid: next })}`));
    expect(issuer.jwksRequests).toBe(fetches + 1);
  });

  it('re-fetches the JWKS for an unknown kid at most once per cooldown', async () => {
    const { handle, logs } = await auth({}, { cooldownMs: 60_000 });
    expect((await handle(bearer(`Bearer ${await issuer.issue({ subject: 'a' })}`))).status).toBe(200);
    const fetches = issuer.jwksRequests;
    const hidden = await issuer.addKey({ publish: false });
    for (let i = 0; i < 5; i++) {
      const res = await handle(
        bearer(`Bearer ${await issuer.issue({ subject: 'a', kid: hidden })}`, `198.51.100.${i}`),
      );
      expect(res.status).toBe(401);
    }
    expect(issuer.jwksRequests).toBe(fetches);
    expect(logs().filter((l) => l.reason === 'unknown-kid')).toHaveLength(5);
  });

  it('answers 503 with Retry-After when the issuer’s keys cannot be fetched', async () => {
    const gone = await LocalOidcIssuer.start({ audience: 'app-client-1' });
    const token = await gone.issue({ subject: 'u' });
    await gone.stop();
    const { handle, logs } = await auth({ OIDC_ISSUER: gone.url, OIDC_JWKS_URL: gone.jwksUrl });
    const res = await handle(bearer(`Bearer ${token}`));
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(logs().find((l) => l.msg === 'issuer keys unavailable')).toMatchObject({ issuer: gone.url });
  });

  it('refuses a bearer token when no issuer is configured, and other schemes', async () => {
    const none = await auth({ OIDC_ISSUER: '', OIDC_AUDIENCE: '', OIDC_JWKS_URL: '' });
    expect(await none.handle(bearer(`Bearer ${await issuer.issue({ subject: 'u' })}`))).toMatchObject(
      REFUSED,
    );
    expect(none.logs().find((l) => l.msg === 'bearer token refused')).toMatchObject({ reason: 'no-issuer' });
    const { handle, logs } = await auth();
    expect(await handle(bearer('Basic YWxpY2U6d29uZGVybGFuZA=='))).toMatchObject(REFUSED);
    expect(logs().find((l) => l.msg === 'bearer token refused')).toMatchObject({ reason: 'scheme' });
  });

  it('counts bearer attempts against the per-source bucket', async () => {
    const { handle } = await auth({ LOGIN_IP_BURST: '2', LOGIN_IP_PER_MINUTE: '1' });
    const token = `Bearer ${await issuer.issue({ subject: 'u' })}`;
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await handle(bearer(token, '192.0.2.9'))).status);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('keeps the built-in users: a password login still works beside OIDC', async () => {
    const { handle } = await auth();
    const res = await handle({
      method: 'POST',
      path: '/session',
      body: JSON.stringify({ username: 'alice', password: 'wonderland' }),
      requestId: 'r2',
      sourceIp: '203.0.113.9',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
  });
});
