import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthRequest, AuthResponse } from '../../../runtime/auth/http-types';
import { createAuthHttpServer } from '../../../runtime/auth/node-http-adapter';
import { AUTH_CORS } from '../../../runtime/contract/cors';

/** The local auth server speaks CORS as the deployed Function URL does (same settings: runtime/contract/cors.ts). */
let server: Server;
let url: string;
const seen: AuthRequest[] = [];

async function start(allowedOrigins?: readonly string[]) {
  server = createAuthHttpServer(
    async (req): Promise<AuthResponse> => {
      seen.push(req);
      return req.path === '/session'
        ? { status: 429, headers: { 'retry-after': '3', 'content-type': 'application/json' }, body: '{}' }
        : { status: 404, headers: {}, body: '' };
    },
    { allowedOrigins },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
afterEach(async () => {
  seen.length = 0;
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const preflight = (origin: string, method = 'POST') =>
  fetch(`${url}/session`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'content-type',
    },
  });

describe('CORS of the local auth server', () => {
  it('answers a preflight (it was 405) with the allowed origin, method, headers and max age, without the handler', async () => {
    await start();
    const res = await preflight('http://127.0.0.1:5173');
    expect(res.status).toBe(204);
    expect(Object.fromEntries(res.headers)).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'content-type, authorization',
      'access-control-max-age': String(AUTH_CORS.maxAgeSeconds),
    });
    expect(seen).toEqual([]);
  });

  it('lets a page read Retry-After: Access-Control-Allow-Origin and Access-Control-Expose-Headers on answers', async () => {
    await start();
    const res = await fetch(`${url}/session`, {
      method: 'POST',
      headers: { origin: 'https://app.example.com' },
      body: '{}',
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toBe('retry-after');
  });

  it('with a list of origins: echoes an allowed one (Vary: Origin), says nothing to others', async () => {
    await start(['https://app.example.com']);
    const ok = await preflight('https://app.example.com');
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(ok.headers.get('vary')).toBe('Origin');
    const other = await preflight('https://evil.example.com');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const post = await fetch(`${url}/session`, {
      method: 'POST',
      headers: { origin: 'https://evil.example.com' },
      body: '{}',
    });
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a preflight for another method', async () => {
    await start();
    const res = await preflight('https://app.example.com', 'DELETE');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});
