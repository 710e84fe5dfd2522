import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isJsonContentType } from '../../../../runtime/auth/json-content-type';
import { issueToken, type TokenKeyRing } from '../../../../runtime/token';

/** One scripted answer of the stand-in auth service; without one, it issues a session for `nodeUrl`. */
export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  /** For a 200: the url to hand out instead of `nodeUrl`. */
  url?: string;
  /** The raw body instead of a session or `{}`. */
  body?: string;
}

/**
 * A stand-in auth service on 127.0.0.1 port 0: plays back `script`, then issues sessions for `nodeUrl`.
 * A password other than 'right' gets 401. Records when each request arrived.
 */
export class StubAuth {
  script: ScriptedAnswer[] = [];
  nodeUrl = '';
  /** Arrival times (epoch ms) of every POST. */
  readonly arrivals: number[] = [];
  /** Paths requested, in order. */
  readonly paths: string[] = [];
  url = '';
  private readonly server: Server;

  constructor(private readonly keys: TokenKeyRing) {
    this.server = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      this.arrivals.push(Date.now());
      this.paths.push(req.url ?? '');
      // The real service's rule: the client must declare its body JSON, or every test here fails.
      if (!isJsonContentType(req.headers['content-type'])) return void res.writeHead(415).end('{}');
      const { password } = JSON.parse(body) as { password: string };
      if (password !== 'right') return void res.writeHead(401).end('{"error":"bad credentials"}');
      const next = this.script.shift();
      if (next && next.status !== 200)
        return void res.writeHead(next.status, next.headers).end(next.body ?? '{}');
      if (next?.body !== undefined) return void res.writeHead(200, next.headers).end(next.body);
      const { token, expiresAt } = await issueToken(this.keys, { subject: 'alice', audience: 'node-1' });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          url: next?.url ?? this.nodeUrl,
          token,
          expiresAt: new Date(expiresAt).toISOString(),
          node: 'node-1',
        }),
      );
    });
  }

  get sessions(): number {
    return this.arrivals.length;
  }

  async listen(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}
