import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { type AuthService, createAuthService } from '../../../runtime/auth/auth-service';
import { createAuthHttpServer } from '../../../runtime/auth/node-http-adapter';
import { authSettingsSchema } from '../../../runtime/auth/settings';
import { DynamoDbRegistry, type EmbeddedRegistry, startEmbeddedRegistry } from '../../../runtime/registry';
import { type AuthFiles, writeAuthFiles } from '../../helpers/auth-fixture';
import { openFileCount, rawRequest } from '../../helpers/raw-http';
import { silentLog } from '../../helpers/silent-log';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
jest.setTimeout(120_000);

let files: AuthFiles;
let embedded: EmbeddedRegistry;
let auth: AuthService;
let server: Server;
let port: number;

beforeAll(async () => {
  files = await writeAuthFiles();
  embedded = await startEmbeddedRegistry('fuzz-nodes');
  await heartbeat();
  auth = await createAuthService(
    authSettingsSchema.parse({
      STRATEGY: 'direct',
      ...files.env,
      // Every generated request comes from 127.0.0.1: keep the per-source bucket out of the way.
      LOGIN_IP_BURST: '1000000',
      LOGIN_USER_BURST: '1000000',
      REGISTRY_TABLE: embedded.tableName,
      REGISTRY_ENDPOINT: embedded.endpoint,
    }),
    silentLog,
  );
  server = createAuthHttpServer(auth.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  auth.stop();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await embedded.close();
  files.remove();
});

// One registry client for the whole file: a new one per call would open sockets the fd check counts.
let registry: DynamoDbRegistry | undefined;
const heartbeat = () => {
  registry ??= new DynamoDbRegistry({ tableName: embedded.tableName, endpoint: embedded.endpoint });
  return registry.heartbeat({
    nodeId: 'node-a',
    endpoint: 'ws://127.0.0.1:9',
    publicEndpoint: 'ws://127.0.0.1:9',
    connections: 0,
    capacity: 1_000_000,
    state: 'active',
  });
};

const DOCUMENTED = new Set([200, 400, 401, 404, 405, 413, 415, 429, 503]);

const request = (method: string, path: string, contentType: string, body: Buffer) =>
  Buffer.concat([
    Buffer.from(
      `${method} ${path} HTTP/1.1\r\nHost: auth\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
    ),
    body,
  ]);

const bodies = fc.oneof(
  fc.json({ depthSize: 'large' }).map((s) => Buffer.from(s)),
  fc.anything({ maxDepth: 6 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc.record({ username: fc.anything(), password: fc.anything() }).map((v) => Buffer.from(JSON.stringify(v))),
  fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a)),
  fc.string({ maxLength: 64 }).map((s) => Buffer.from(`{"username":"alice","password":"${s}`)),
  fc.integer({ min: 16_000, max: 40_000 }).map((n) => Buffer.alloc(n, 'a')),
);

describe('auth service under generated input', () => {
  it(`answers ${RUNS} generated requests with documented statuses only, and keeps no sockets`, async () => {
    const baseline = openFileCount();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE'),
        fc.constantFrom('/session', '/session', '/session', '/', '/session/x', '/%ff'),
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', ''),
        bodies,
        async (method, path, contentType, body) => {
          const status = await rawRequest(port, request(method, path, contentType, body));
          expect(DOCUMENTED.has(status) ? 'documented' : status).toBe('documented');
        },
      ),
      { numRuns: RUNS },
    );
    await heartbeat();
    const res = await fetch(`http://127.0.0.1:${port}/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'wonderland' }),
    });
    expect(res.status).toBe(200);
    expect(openFileCount()).toBeLessThanOrEqual(baseline + 5);
  });

  it('answers malformed HTTP with 400 or a closed connection, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 4096 }), async (bytes) => {
        const status = await rawRequest(port, Buffer.from(bytes));
        expect([0, 400, 404, 405, 413, 415, 431]).toContain(status);
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
    const huge = `POST /session HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`;
    expect(await rawRequest(port, huge)).toBe(431);
  });
});
