import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { corsHeaders, DEFAULT_ALLOWED_ORIGINS, preflightHeaders } from '../contract/cors';
import type { AuthRequest, AuthResponse } from './http-types';
import { MAX_BODY_BYTES } from './http-types';

/** Reads a body up to the limit; past it, stops reading and reports it as too large. */
function readBody(req: IncomingMessage): Promise<{ body: string; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve({ body: Buffer.concat(chunks).toString('utf8'), tooLarge }));
    req.on('error', reject);
  });
}

/** Headers as a Function URL event carries them: lower-case names, repeated values joined with commas. */
function headerRecord(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}

export interface AuthHttpOptions {
  /** Origins a page may call from, as the Function URL's CORS allows them. @default DEFAULT_ALLOWED_ORIGINS ('*') */
  allowedOrigins?: readonly string[];
}

/**
 * The auth handler behind a Node HTTP server: the local cluster's stand-in for Lambda + Function URL, CORS
 * included (the Function URL answers preflights itself and adds the headers: the handler never sees them).
 */
export function createAuthHttpServer(
  handle: (req: AuthRequest) => Promise<AuthResponse>,
  options: AuthHttpOptions = {},
): Server {
  const allowed = options.allowedOrigins ?? DEFAULT_ALLOWED_ORIGINS;
  const server = createServer(async (req, res) => {
    const origin = req.headers.origin;
    const requested = req.headers['access-control-request-method'];
    if (req.method === 'OPTIONS' && typeof requested === 'string') {
      req.resume();
      res.writeHead(204, preflightHeaders(origin, requested, allowed)).end();
      return;
    }
    try {
      const { body, tooLarge } = await readBody(req);
      const out = await handle({
        method: req.method ?? 'GET',
        path: new URL(req.url ?? '/', 'http://auth').pathname,
        body,
        bodyTooLarge: tooLarge,
        requestId: randomUUID(),
        sourceIp: req.socket.remoteAddress,
        headers: headerRecord(req),
      });
      res.writeHead(out.status, { ...out.headers, ...corsHeaders(origin, allowed) });
      res.end(out.body);
    } catch {
      if (!res.headersSent) {
        res.writeHead(400, { 'content-type': 'application/json', ...corsHeaders(origin, allowed) });
      }
      res.end('{"error":"bad request"}');
    }
  });
  // A client may half-close after its request (HTTP/1.1 allows it); answer it rather than hang up.
  (server as unknown as { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  return server;
}

export async function listen(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, backlog: 4096 }, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}
