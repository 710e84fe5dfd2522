import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { STRATEGIES } from '../contract/strategies';
import { buildUrl } from '../contract/url';
import { AdminRequestError, bearerMatches, readJsonBody } from './admin-request';
import { ClusterBusyError } from './one-operation-at-a-time';
import { RetireRefusedError, type Switchable } from './switch-run';

const switchBody = z.strictObject({ to: z.enum(STRATEGIES) });
const SWITCH_USAGE = `POST /switch wants {"to":"${STRATEGIES.join('|')}"}`;
/** `POST /retire`: an empty body, `{}`, or `{"force":true}` to retire a path that still has clients. */
const retireBody = z.strictObject({ force: z.boolean().optional() });
const RETIRE_USAGE = 'POST /retire wants an empty body, {} or {"force":true}';

const ROUTES: Record<string, string> = { '/path': 'GET', '/switch': 'POST', '/retire': 'POST' };

export interface AdminServer {
  /** http://127.0.0.1:<port> */
  url: string;
  /** The bearer token every request must carry (printed by `npm start`, never logged). */
  token: string;
  close(): Promise<void>;
}

/**
 * The running local cluster's control port, on 127.0.0.1 only, every request with `Authorization: Bearer
 * <token>` (the scheme in any case):
 * - `GET /path` answers `{ strategy, retiring? }`.
 * - `POST /switch` with `{"to":"direct"}` switches (as deploy 1 with `retiring`) and answers `{ from, to }` once
 *   the new path is handed out and named current; 409 `{ error }` when refused (already on it, a previous switch
 *   not retired yet).
 * - `POST /retire` stops the retiring path (as deploy 2) once no node holds a client that came by it and answers
 *   `{ retired: <strategy> }`, else 409 `{ error, retiring, clients: { <node id>: count } }`; `{"force":true}`
 *   retires it anyway and cuts those clients. With nothing retiring it is a no-op answered 200
 *   `{ retired: null }` (idempotent: a retry after a lost answer is not an error; decision 0185).
 * - A switch or retire while another one runs: 409 `{ error, running }` (`running`: e.g. "switch to haproxy").
 * - Bodies are JSON with `content-type: application/json`, at most 1024 bytes: unknown keys, wrong types,
 *   malformed JSON, a wrong content-type or a missing body are 400 `{ error }` naming the fault; a longer body
 *   413, answered without reading the rest, and the connection closed. A wrong or missing token is 401; an
 *   unknown path 404; a known path with the wrong method 405.
 */
export async function startAdminServer(cluster: Switchable): Promise<AdminServer> {
  const token = randomBytes(18).toString('base64url');
  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((err: Error) => {
      if (err instanceof AdminRequestError) return reply(res, err.status, { error: err.message });
      if (err instanceof ClusterBusyError)
        return reply(res, 409, { error: err.message, running: err.running });
      if (err instanceof RetireRefusedError) {
        return reply(res, 409, { error: err.message, retiring: err.retiring, clients: err.clients });
      }
      return reply(res, 500, { error: err.message });
    });
  });
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (!bearerMatches(req.headers.authorization, token)) {
      return reply(res, 401, { error: 'missing or wrong bearer token' });
    }
    const path = (req.url ?? '/').split('?')[0];
    const method = ROUTES[path];
    if (!method) {
      return reply(res, 404, { error: `GET /path, ${SWITCH_USAGE}, ${RETIRE_USAGE}` });
    }
    if (req.method !== method) {
      res.setHeader('allow', method);
      return reply(res, 405, { error: `${path} takes ${method}` });
    }
    if (path === '/path') return reply(res, 200, cluster.currentPath);
    if (path === '/retire') {
      const { force } = await readJsonBody(req, retireBody, RETIRE_USAGE, {});
      return reply(res, 200, { retired: (await cluster.retire({ force })) ?? null });
    }
    const { to } = await readJsonBody(req, switchBody, SWITCH_USAGE);
    const from = cluster.currentPath.strategy;
    try {
      await cluster.switchTo(to);
    } catch (err) {
      if (err instanceof ClusterBusyError) throw err;
      return reply(res, 409, { error: (err as Error).message });
    }
    return reply(res, 200, { from, to });
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
  // A 413 leaves the rest of the body unread: the connection closes after the answer instead of reading it.
  res.writeHead(status, {
    'content-type': 'application/json',
    ...(status === 413 ? { connection: 'close' } : {}),
  });
  res.end(JSON.stringify(body));
}
