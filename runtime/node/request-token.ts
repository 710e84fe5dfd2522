import type { IncomingMessage } from 'node:http';

/** Sub-protocol the server selects; the token travels as a second offered protocol `token.<jwt>`. */
export const WSLB_PROTOCOL = 'wslb';
export const TOKEN_PROTOCOL_PREFIX = 'token.';

/** The names in `Sec-WebSocket-Protocol`, in order; `undefined` when the client offered none. */
export function offeredProtocols(req: IncomingMessage): string[] | undefined {
  const header = req.headers['sec-websocket-protocol'];
  return header === undefined ? undefined : header.split(',').map((p) => p.trim());
}

/**
 * Whether the node can answer the client's protocol offer. A client that offered sub-protocols fails a 101
 * that selects none (RFC 6455 4.1, and every browser), so an offer without `wslb` must be refused before
 * the upgrade. The header's syntax (duplicates, characters) is `ws`'s to check.
 */
export function protocolSelectable(offered: readonly string[] | undefined): boolean {
  return offered === undefined || offered.includes(WSLB_PROTOCOL);
}

/**
 * The token from `?token=` or from `Sec-WebSocket-Protocol: wslb, token.<jwt>`
 * (browsers cannot set headers on a WebSocket, but they can offer sub-protocols).
 */
export function tokenFromRequest(req: IncomingMessage, offered = offeredProtocols(req)): string | undefined {
  const query = req.url?.indexOf('?') ?? -1;
  if (query !== -1) {
    const fromQuery = new URLSearchParams(req.url!.slice(query + 1)).get('token');
    if (fromQuery) return fromQuery;
  }
  const protocol = offered?.find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX));
  return protocol?.slice(TOKEN_PROTOCOL_PREFIX.length);
}
