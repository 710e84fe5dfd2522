import type { IncomingMessage } from 'node:http';

/** Sub-protocol the server selects; the token travels as a second offered protocol `token.<jwt>`. */
export const WSLB_PROTOCOL = 'wslb';
export const TOKEN_PROTOCOL_PREFIX = 'token.';

/**
 * The token from `?token=` or from `Sec-WebSocket-Protocol: wslb, token.<jwt>`
 * (browsers cannot set headers on a WebSocket, but they can offer sub-protocols).
 */
export function tokenFromRequest(req: IncomingMessage): string | undefined {
  const url = new URL(req.url ?? '/', 'http://node');
  const fromQuery = url.searchParams.get('token');
  if (fromQuery) return fromQuery;
  const offered = req.headers['sec-websocket-protocol'];
  if (!offered) return undefined;
  for (const raw of offered.split(',')) {
    const protocol = raw.trim();
    if (protocol.startsWith(TOKEN_PROTOCOL_PREFIX)) return protocol.slice(TOKEN_PROTOCOL_PREFIX.length);
  }
  return undefined;
}
