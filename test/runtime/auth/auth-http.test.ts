import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { type AuthService, createAuthService } from '../../../runtime/auth/auth-service';
import { createAuthHttpServer, listen } from '../../../runtime/auth/node-http-adapter';
import { hashPassword } from '../../../runtime/auth/password-hash';
import { authSettingsSchema } from '../../../runtime/auth/settings';
import { DynamoDbRegistry, type EmbeddedRegistry, startEmbeddedRegistry } from '../../../runtime/registry';
import { parseKeyRing, verifyToken } from '../../../runtime/token';
import { type AuthFiles, TEST_SCRYPT, writeAuthFiles } from '../../helpers/auth-fixture';
import { seededRandom } from '../../helpers/random';
import { silentLog } from '../../helpers/silent-log';

let files: AuthFiles;
let embedded: EmbeddedRegistry;
let registry: DynamoDbRegistry;
const running: { server: Server; auth: AuthService }[] = [];

async function startAuth(env: Record<string, string> = {}): Promise<string> {
  const settings = authSettingsSchema.parse({
    STRATEGY: 'direct',
    ...files.env,
    REGISTRY_TABLE: embedded.tableName,
    REGISTRY_ENDPOINT: embedded.endpoint,
    ...env,
  });
  const auth = await createAuthService(settings, silentLog, { random: seededRandom(3) });
  const server = createAuthHttpServer(auth.handle);
  running.push({ server, auth });
  return `http://127.0.0.1:${await listen(server, '127.0.0.1', 0)}`;
}

const post = (url: string, body: unknown, raw?: string) =>
  fetch(`${url}/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: raw ?? JSON.stringify(body),
  });
const alice = { username: 'alice', password: 'wonderland' };

const beat = (
  nodeId: string,
  over: Partial<{
    connections: number;
    capacity: number;
    state: 'active' | 'draining';
    publicEndpoint: string | undefined;
  }> = {},
) =>
  registry.heartbeat({
    nodeId,
    endpoint: `ws://127.0.0.1:9/${nodeId}`,
    publicEndpoint: `ws://127.0.0.1:9/${nodeId}`,
    connections: 0,
    capacity: 10,
    state: 'active',
    ...over,
  });

beforeAll(async () => {
  files = await writeAuthFiles();
});
beforeEach(async () => {
  embedded = await startEmbeddedRegistry(`auth-${Date.now()}`);
  registry = new DynamoDbRegistry({ tableName: embedded.tableName, endpoint: embedded.endpoint });
});
afterEach(async () => {
  for (const { server, auth } of running.splice(0)) {
    auth.stop();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
  await embedded.close();
});
afterAll(() => files.remove());

describe('auth service over HTTP, strategy direct', () => {
  it('issues a token for the chosen node, with the node as audience', async () => {
    await beat('node-a');
    const url = await startAuth();
    const res = await post(url, alice);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { url: string; token: string; node: string; expiresAt: string };
    expect(body).toMatchObject({ url: 'ws://127.0.0.1:9/node-a', node: 'node-a' });
    expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(25_000);
    const claims = await verifyToken(parseKeyRing(files.tokenSecretJson), body.token, ['node-a']);
    expect(claims).toMatchObject({ subject: 'alice', strategy: 'direct' });
  });

  it('logs a name in however its accents were typed: one user, one subject (NFC)', async () => {
    const usersFile = join(files.dir, 'users-nfc.json');
    const hash = await hashPassword('wonderland', TEST_SCRYPT);
    writeFileSync(usersFile, JSON.stringify({ users: { 'd\u00e9': hash } }));
    await beat('node-a');
    const url = await startAuth({ USERS_FILE: usersFile });
    for (const username of ['d\u00e9', 'de\u0301']) {
      const res = await post(url, { username, password: 'wonderland' });
      expect(res.status).toBe(200);
      const { token } = (await res.json()) as { token: string };
      const claims = await verifyToken(parseKeyRing(files.tokenSecretJson), token, ['node-a']);
      expect(claims.subject).toBe('d\u00e9');
    }
  });

  it('hands out only nodes that advertise a public endpoint', async () => {
    await beat('private', { publicEndpoint: undefined });
    await beat('public', { connections: 9 });
    const url = await startAuth();
    const nodes = new Set<string>();
    for (let i = 0; i < 5; i++) nodes.add(((await (await post(url, alice)).json()) as { node: string }).node);
    expect([...nodes]).toEqual(['public']);
  });

  it('answers 503 when only private nodes are registered and no path is retiring', async () => {
    await beat('private', { publicEndpoint: undefined });
    const res = await post(await startAuth(), alice);
    expect(res.status).toBe(503);
  });

  it('answers 503, not the retiring path, when the registry lists no node at all', async () => {
    const url = await startAuth({
      RETIRING_STRATEGY: 'haproxy',
      RETIRING_PUBLIC_URL: 'ws://old.example.test',
    });
    expect((await post(url, alice)).status).toBe(503);
  });

  it('hands out the retiring balancer while every node is private (switch to direct)', async () => {
    await beat('private', { publicEndpoint: undefined });
    const url = await startAuth({
      RETIRING_STRATEGY: 'nlb',
      RETIRING_PUBLIC_URL: 'wss://old.example.test',
      BALANCER_NAME: 'wslb',
    });
    const body = (await (await post(url, alice)).json()) as { url: string; token: string; node?: string };
    expect(body).toMatchObject({ url: 'wss://old.example.test' });
    expect(body.node).toBeUndefined();
    const claims = await verifyToken(parseKeyRing(files.tokenSecretJson), body.token, ['wslb']);
    expect(claims.strategy).toBe('nlb');
    await beat('public');
    // Once a public node beats, it is handed out as soon as the view has been refreshed (cache window 1 s).
    let next: { url: string; node?: string } = body;
    for (let i = 0; i < 20 && next.node === undefined; i++) {
      await new Promise((r) => setTimeout(r, 250));
      next = (await (await post(url, alice)).json()) as { url: string; node?: string };
    }
    expect(next).toMatchObject({ url: 'ws://127.0.0.1:9/public', node: 'public' });
  });

  it('never hands out a draining, stale or full node', async () => {
    await beat('draining', { state: 'draining' });
    await beat('full', { connections: 10 });
    await new DynamoDbRegistry({
      tableName: embedded.tableName,
      endpoint: embedded.endpoint,
      now: () => Date.now() - 60_000,
    }).heartbeat({ nodeId: 'stale', endpoint: 'ws://x', connections: 0, capacity: 10, state: 'active' });
    await beat('good', { connections: 5 });
    const url = await startAuth();
    const nodes = new Set<string>();
    for (let i = 0; i < 5; i++) nodes.add(((await (await post(url, alice)).json()) as { node: string }).node);
    expect([...nodes]).toEqual(['good']);
  });

  it('answers 503 with Retry-After when no node has headroom', async () => {
    await beat('full', { connections: 10 });
    const res = await post(await startAuth(), alice);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
  });

  it('answers 503 when the registry is down', async () => {
    const url = await startAuth();
    await embedded.close();
    const res = await post(url, alice);
    expect(res.status).toBe(503);
    embedded = await startEmbeddedRegistry(`auth-${Date.now()}`);
  });

  it.each([
    ['malformed JSON', undefined, '{"username":', 400, 'body is not valid JSON'],
    ['missing password', { username: 'alice' }, undefined, 400, 'invalid or missing: password'],
    ['wrong types', { username: 1, password: [] }, undefined, 400, 'invalid or missing: username, password'],
    ['a wrong password', { username: 'alice', password: 'nope' }, undefined, 401, 'bad credentials'],
    ['an unknown user', { username: 'bob', password: 'wonderland' }, undefined, 401, 'bad credentials'],
    [
      'a body over 16 KiB',
      { username: 'alice', password: 'x'.repeat(17_000) },
      undefined,
      413,
      'body over 16384 bytes',
    ],
  ])('refuses %s', async (_what, body, raw, status, error) => {
    await beat('node-a');
    const res = await post(await startAuth(), body, raw);
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({ error });
  });

  it('answers 405 to other methods and 404 to other paths', async () => {
    const url = await startAuth();
    const get = await fetch(`${url}/session`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await fetch(`${url}/nope`, { method: 'POST' })).status).toBe(404);
  });

  it('reads a body only as application/json: the types a browser sends cross-origin without a preflight get 415', async () => {
    await beat('node-a');
    const url = await startAuth();
    const credentials = JSON.stringify(alice);
    const send = (contentType: string | undefined) =>
      fetch(`${url}/session`, {
        method: 'POST',
        // A byte body: fetch adds no content type of its own (a string would get text/plain).
        body: new TextEncoder().encode(credentials),
        ...(contentType === undefined ? {} : { headers: { 'content-type': contentType } }),
      });
    for (const refused of [
      undefined,
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jsonx',
      'application/json; charset=latin1',
      'application/json, text/plain',
    ]) {
      const res = await send(refused);
      expect([refused, res.status]).toEqual([refused, 415]);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(await res.json()).toEqual({
        error: 'content-type must be application/json (charset utf-8 at most)',
      });
    }
    for (const accepted of [
      'application/json',
      'application/json; charset=utf-8',
      'Application/JSON;charset="UTF-8"',
    ]) {
      const res = await send(accepted);
      expect([accepted, res.status]).toEqual([accepted, 200]);
    }
  });
});

describe('auth service, strategy nlb', () => {
  it('hands out the balancer URL with the balancer as audience', async () => {
    const url = await startAuth({
      STRATEGY: 'nlb',
      PUBLIC_URL: 'wss://ws.example.test',
      BALANCER_NAME: 'wslb-nlb',
    });
    const body = (await (await post(url, alice)).json()) as { url: string; token: string; node?: string };
    expect(body.url).toBe('wss://ws.example.test');
    expect(body.node).toBeUndefined();
    const claims = await verifyToken(parseKeyRing(files.tokenSecretJson), body.token, ['wslb-nlb']);
    expect(claims.strategy).toBe('nlb');
  });
});
