import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { STRATEGIES } from '../contract/strategies';
import { buildUrl } from '../contract/url';
import { RetireRefusedError, type Switchable } from './switch-run';

/** Largest request body the admin endpoint reads. */
const MAX_BODY_BYTES = 1024;

const switchBody = z.object({ to: z.enum(STRATEGIES) });
/** `POST /retire`: an empty body, `{}`, or `{"force":true}` to retire a path that still has clients. */
const retireBody = z.strictObject({ force: z.boolean().optional() });

export interface AdminServer {
  /** http://127.0.0.1:<port> */
  url: string;
  /** The bearer token every request must carry (printed by `npm start`, never logged). */
  token: string;
  close(): Promise<void>;
}

/**
 * The running local cluster's control port, on 127.0.0.1 only, every request with `Authorization: Bearer
 * <token>`: `GET /path` answers `{ strategy, retiring? }`; `POST /switch` with `{"to":"direct"}` switches (as
 * deploy 1 with `retiring`) and answers once the new path is handed out and named current; `POST /retire`
 * stops the retiring path (as deploy 2) once no node holds a client that came by it, else answers 409 with
 * `{ error, retiring, clients: { <node id>: count } }`; `{"force":true}` retires it anyway and cuts those clients.
 * A refused switch is 409 with the reason; bad input 400; a wrong token 401.
 */
export async function startAdminServer(cluster: Switchable): Promise<AdminServer> {
  const token = randomBytes(18).toString('base64url');
  const expected = Buffer.from(`Bearer ${token}`);
  const authorized = (req: IncomingMessage) => {
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((err: Error) => reply(res, 500, { error: err.message }));
  });
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (!authorized(req)) return reply(res, 401, { error: 'missing or wrong bearer token' });
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/path' && req.method === 'GET') return reply(res, 200, cluster.currentPath);
    if (req.method !== 'POST' || (path !== '/switch' && path !== '/retire')) {
      return reply(res, 404, { error: 'GET /path, POST /switch {"to":"nlb|haproxy|direct"}, POST /retire' });
    }
    const body = await readBody(req);
    if (body === undefined) return reply(res, 413, { error: `body over ${MAX_BODY_BYTES} bytes` });
    if (path === '/retire') return retire(body, res);
    let parsed: z.infer<typeof switchBody>;
    try {
      parsed = switchBody.parse(JSON.parse(body));
    } catch {
      return reply(res, 400, { error: `body must be {"to":"${STRATEGIES.join('|')}"}` });
    }
    const from = cluster.currentPath.strategy;
    try {
      await cluster.switchTo(parsed.to);
    } catch (err) {
      return reply(res, 409, { error: (err as Error).message });
    }
    return reply(res, 200, { from, to: parsed.to });
  };
  const retire = async (body: string, res: ServerResponse) => {
    let force: boolean | undefined;
    try {
      ({ force } = retireBody.parse(body.trim() === '' ? {} : JSON.parse(body)));
    } catch {
      return reply(res, 400, { error: 'body must be empty, {} or {"force":true}' });
    }
    try {
      return reply(res, 200, { retired: (await cluster.retire({ force })) ?? null });
    } catch (err) {
      if (!(err instanceof RetireRefusedError)) throw err;
      return reply(res, 409, { error: err.message, retiring: err.retiring, clients: err.clients });
    }
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: buildUrl('http', '127.0.0.1', (server.address() as AddressInfo).port),
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** The body as text, or undefined when it is over MAX_BODY_BYTES (the rest is read and dropped). */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
