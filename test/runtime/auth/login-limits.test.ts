import type { Server } from 'node:http';
import { type AuthService, createAuthService } from '../../../runtime/auth/auth-service';
import type { AuthRequest } from '../../../runtime/auth/http-types';
import { createAuthHttpServer, listen } from '../../../runtime/auth/node-http-adapter';
import { authSettingsSchema } from '../../../runtime/auth/settings';
import { type AuthFiles, writeAuthFiles } from '../../helpers/auth-fixture';
import { silentLog } from '../../helpers/silent-log';

let files: AuthFiles;
const started: AuthService[] = [];
const servers: Server[] = [];

beforeAll(async () => {
  files = await writeAuthFiles();
});
afterEach(async () => {
  for (const auth of started.splice(0)) auth.stop();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
afterAll(() => files.remove());

/** A balancer strategy needs no registry: every accepted login is a 200. */
async function auth(limits: Record<string, string>): Promise<AuthService> {
  const service = await createAuthService(
    authSettingsSchema.parse({
      STRATEGY: 'nlb',
      PUBLIC_URL: 'wss://ws.example.test',
      REGISTRY_TABLE: 'unused',
      ...files.env,
      ...limits,
    }),
    silentLog,
  );
  started.push(service);
  return service;
}

const login = (username: string, password: string, sourceIp = '203.0.113.1'): AuthRequest => ({
  method: 'POST',
  path: '/session',
  body: JSON.stringify({ username, password }),
  headers: { 'content-type': 'application/json' },
  requestId: 'r',
  sourceIp,
});

const statuses = async (service: AuthService, requests: AuthRequest[]) => {
  const out: number[] = [];
  for (const req of requests) out.push((await service.handle(req)).status);
  return out;
};

describe('login limits of one auth instance', () => {
  it('per source address over HTTP: the burst, then 429 with Retry-After even for the right password', async () => {
    const service = await auth({ LOGIN_IP_BURST: '3', LOGIN_IP_PER_MINUTE: '2' });
    const server = createAuthHttpServer(service.handle);
    servers.push(server);
    const url = `http://127.0.0.1:${await listen(server, '127.0.0.1', 0)}/session`;
    const post = (password: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice', password }),
      });
    for (let i = 0; i < 3; i++) expect((await post('nope')).status).toBe(401);
    const refused = await post('wonderland');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(30);
    expect(await refused.json()).toEqual({ error: 'too many login attempts from this address' });
  });

  it('per source address: one key for a whole IPv6 /64, separate keys for other clients', async () => {
    const service = await auth({ LOGIN_IP_BURST: '2', LOGIN_IP_PER_MINUTE: '1' });
    expect(
      await statuses(service, [
        login('alice', 'x', '2001:db8:1:1::1'),
        login('alice', 'x', '2001:db8:1:1::2'),
        login('alice', 'x', '2001:db8:1:1:ffff::3'),
        login('alice', 'wonderland', '2001:db8:1:2::1'),
        login('alice', 'wonderland', '198.51.100.7'),
      ]),
    ).toEqual([401, 401, 429, 200, 200]);
  });

  it('per username: failures use the burst up, then even the right password waits; other names do not', async () => {
    const service = await auth({ LOGIN_USER_BURST: '2', LOGIN_USER_PER_MINUTE: '1' });
    expect(
      await statuses(service, [
        login('alice', 'x', '203.0.113.1'),
        login('alice', 'x', '203.0.113.2'),
        login('alice', 'wonderland', '203.0.113.3'),
        login('bob', 'x', '203.0.113.4'),
      ]),
    ).toEqual([401, 401, 429, 401]);
    const res = await service.handle(login('alice', 'x', '203.0.113.5'));
    expect(res.headers['retry-after']).toBe('60');
    expect(JSON.parse(res.body)).toEqual({ error: 'too many failed logins for this username' });
  });

  it('per username: successful logins give their token back', async () => {
    const service = await auth({ LOGIN_USER_BURST: '2', LOGIN_USER_PER_MINUTE: '1' });
    const many = Array.from({ length: 10 }, (_, i) => login('alice', 'wonderland', `203.0.113.${i + 1}`));
    expect(await statuses(service, many)).toEqual(many.map(() => 200));
  });

  it('bounds password checks in flight: beyond the slots and the queue, 503 at once, and every slot comes back', async () => {
    const service = await auth({ LOGIN_CONCURRENCY: '1', LOGIN_QUEUE: '2' });
    const burst = Array.from({ length: 8 }, (_, i) =>
      service.handle(login('alice', 'x', `203.0.113.${i + 1}`)),
    );
    const answers = await Promise.all(burst);
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 503, 503, 503, 503, 503]);
    expect(answers[3].headers['retry-after']).toBe('1');
    // The refused checks ran no scrypt and kept no token: all slots and tokens are back.
    const again = Array.from({ length: 3 }, (_, i) =>
      service.handle(login('alice', 'wonderland', `198.51.100.${i}`)),
    );
    expect((await Promise.all(again)).map((a) => a.status)).toEqual([200, 200, 200]);
  });
});
