import { hashPassword } from '../../runtime/auth/password-hash';
import { LocalOidcIssuer } from '../../runtime/local/oidc-issuer';
import { parseKeyRing, verifyToken } from '../../runtime/token';
import { type LocalAuthFunction, startLocalAuthFunction } from '../../tools/lambda/auth-function';
import type { FunctionUrlRequest } from '../../tools/lambda/function-url-event';
import { lambdaNodeMajor } from '../../tools/lambda/node-binary';
import { authBundleIn } from '../../tools/lambda/synth-auth-bundle';
import { type SynthRun, sharedStrategySynth } from '../helpers/cdk-synth';

// `cdk synth`, the Lambda's Node.js from npm on first use (~40 s), hashes with the deployed scrypt cost.
jest.setTimeout(180_000);

const PASSWORD = 'correct horse battery staple';
const IP_BURST = 3;
let fn: LocalAuthFunction | undefined;
let issuer: LocalOidcIssuer;
let unavailable: string | undefined;
let synthRun: SynthRun | undefined;

beforeAll(async () => {
  const users = JSON.stringify({ users: { alice: await hashPassword(PASSWORD) } });
  issuer = await LocalOidcIssuer.start({ audience: 'app-client' });
  try {
    // The same `npx cdk synth -c strategy=direct` test/bin/cdk-app.test.ts checks: run once for both.
    synthRun = await sharedStrategySynth('direct');
    if (synthRun.status !== 0) throw new Error(`cdk synth failed: ${synthRun.stderr.trim()}`);
    fn = await startLocalAuthFunction({
      users,
      synth: authBundleIn(synthRun.outdir),
      env: {
        LOGIN_IP_BURST: String(IP_BURST),
        LOGIN_IP_PER_MINUTE: '1',
        // As the CDK sets them from oidcIssuer/oidcAudience; discovery finds the JWKS.
        OIDC_ISSUER: issuer.url,
        OIDC_AUDIENCE: 'app-client',
      },
    });
  } catch (err) {
    // Without the Lambda's Node.js (no npm registry, another platform) this cannot run; in CI it must.
    if (process.env.CI === 'true' || /cdk synth failed/.test((err as Error).message)) throw err;
    unavailable = (err as Error).message;
    console.warn(`skipped: the synthesized auth bundle cannot run here: ${unavailable}`);
  }
}, 900_000);
afterAll(async () => {
  await fn?.stop();
  await issuer.stop();
  synthRun?.remove();
});

let nextIp = 1;
/** Each request from its own address unless one is given: the per-source bucket is tested on its own. */
const call = (req: Partial<FunctionUrlRequest> & { method?: string }) =>
  fn!.host.request({ method: 'POST', path: '/session', sourceIp: `198.51.100.${nextIp++}`, ...req });
const login = (body: unknown, extra: Partial<FunctionUrlRequest> = {}) =>
  call({ body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, ...extra });
const ready = () => unavailable === undefined;

describe('the synthesized auth bundle under the Lambda runtime’s Node.js, with Function URL events', () => {
  it('runs the template’s runtime major from cdk.out', () => {
    if (!ready()) return;
    expect(fn!.synth.runtime).toBe(`nodejs${lambdaNodeMajor()}.x`);
    expect(fn!.host.version).toMatch(new RegExp(`^v${lambdaNodeMajor()}\\.`));
    expect(fn!.synth.entry).toMatch(/cdk\.out|wslb-(auth|cdk)-synth-.*\/asset\.[0-9a-f]{64}\/index\.js$/);
  });

  it('logs in: a token for the registry’s node, secrets read through AWS_ENDPOINT_URL_SECRETS_MANAGER', async () => {
    if (!ready()) return;
    const { result, maxRssBytes } = await login({ username: 'alice', password: PASSWORD });
    expect(result.statusCode).toBe(200);
    // A login (scrypt's 128 MiB included) fits the function's memory with room to spare.
    expect(maxRssBytes).toBeLessThan(0.8 * fn!.synth.memorySize * 1024 ** 2);
    const body = JSON.parse(result.body!) as { url: string; token: string; node: string };
    expect(body).toMatchObject({ url: 'wss://node-a.example.test', node: 'node-a' });
    const claims = await verifyToken(parseKeyRing(fn!.tokenSecretJson), body.token, ['node-a']);
    expect(claims.subject).toBe('alice');
    expect(new Set(fn!.secrets.requests)).toEqual(new Set([fn!.arns.token, fn!.arns.users]));
  });

  it('logs in with a base64 body', async () => {
    if (!ready()) return;
    const { result } = await login({ username: 'alice', password: PASSWORD }, { base64: true });
    expect(result.statusCode).toBe(200);
  });

  it('logs in with an OIDC ID token (Authorization: Bearer, jose in the bundle); refuses a bad one with 401', async () => {
    if (!ready()) return;
    const good = await call({
      headers: { authorization: `Bearer ${await issuer.issue({ subject: 'oidc-user' })}` },
    });
    expect(good.result.statusCode).toBe(200);
    const { token } = JSON.parse(good.result.body!) as { token: string };
    expect((await verifyToken(parseKeyRing(fn!.tokenSecretJson), token, ['node-a'])).subject).toBe(
      'oidc-user',
    );
    const expired = await issuer.issue({ subject: 'oidc-user', expiresInSeconds: -300 });
    const bad = await call({ headers: { authorization: `Bearer ${expired}` } });
    expect(bad.result.statusCode).toBe(401);
    expect(bad.result.body).toBe('{"error":"bad credentials"}');
  });

  it('refuses a wrong password and an unknown user alike', async () => {
    if (!ready()) return;
    const wrong = await login({ username: 'alice', password: 'not it' });
    const unknown = await login({ username: 'mallory', password: PASSWORD });
    for (const { result } of [wrong, unknown]) {
      expect(result.statusCode).toBe(401);
      expect(JSON.parse(result.body!)).toEqual({ error: 'bad credentials' });
    }
  });

  it.each([
    ['not JSON', 400, { body: '{"username":' }],
    ['not JSON, base64', 400, { body: 'not json at all', base64: true }],
    ['fields missing', 400, { body: '{"username":"alice"}' }],
    ['fields of the wrong type', 400, { body: '{"username":1,"password":[]}' }],
    ['no body', 400, {}],
    [
      'a body over 16 KiB',
      413,
      { body: JSON.stringify({ username: 'alice', password: 'x'.repeat(17_000) }) },
    ],
    ['a base64 body over 16 KiB once decoded', 413, { body: 'x'.repeat(17_000), base64: true }],
    ['another path', 404, { path: '/nope', body: '{}' }],
    ['another method', 405, { method: 'GET' }],
    [
      'a text/plain body (a browser sends it cross-origin without a preflight)',
      415,
      {
        body: JSON.stringify({ username: 'alice', password: PASSWORD }),
        headers: { 'content-type': 'text/plain' },
      },
    ],
  ])('answers %s with %i', async (_what, status, req) => {
    if (!ready()) return;
    const { result } = await call({
      headers: { 'content-type': 'application/json' },
      ...(req as Partial<FunctionUrlRequest>),
    });
    expect(result.statusCode).toBe(status);
    expect(result.headers?.['content-type']).toBe('application/json');
    expect(JSON.parse(result.body!)).toHaveProperty('error');
  });

  it('answers a CORS preflight without checking anything or failing', async () => {
    if (!ready()) return;
    const requestsBefore = fn!.secrets.requests.length;
    const { result } = await call({
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.test',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(result.statusCode).toBe(405);
    expect(result.headers?.allow).toBe('POST');
    expect(fn!.secrets.requests.length).toBe(requestsBefore);
  });

  it('limits attempts per source address from requestContext.http.sourceIp: 429 with Retry-After', async () => {
    if (!ready()) return;
    const sourceIp = '203.0.113.77';
    const statuses: number[] = [];
    for (let i = 0; i <= IP_BURST; i++) {
      statuses.push((await login({ username: 'alice', password: 'guess' }, { sourceIp })).result.statusCode);
    }
    expect(statuses).toEqual([...Array(IP_BURST).fill(401), 429]);
    const { result } = await login({ username: 'alice', password: PASSWORD }, { sourceIp });
    expect(result.statusCode).toBe(429);
    expect(Number(result.headers?.['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await login({ username: 'alice', password: PASSWORD })).result.statusCode).toBe(200);
  });

  it('starts cold again in a new execution environment, reading its secrets again', async () => {
    if (!ready()) return;
    const second = await fn!.newEnvironment();
    const reads = fn!.secrets.requests.length;
    const { result } = await second.request({
      method: 'POST',
      path: '/session',
      body: JSON.stringify({ username: 'alice', password: PASSWORD }),
      headers: { 'content-type': 'application/json' },
      sourceIp: '198.51.100.250',
    });
    expect(result.statusCode).toBe(200);
    expect(fn!.secrets.requests.length).toBe(reads + 2);
  });
});
