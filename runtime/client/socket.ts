import { ClientSetupError, SocketBlockedError } from './errors.js';

/** What `send` takes: what browsers' WebSocket and `ws` both send. */
export type SendData = string | ArrayBuffer | ArrayBufferView | Blob;

/** How binary messages arrive (the standard `binaryType`). */
export type BinaryType = 'blob' | 'arraybuffer';

/**
 * A handler slot. Compared both ways (as methods are), so the browser's `WebSocket`, whose handlers take its
 * own event types, fits where only `data`, `code` and `reason` are read.
 */
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** The part of the standard WebSocket API the client uses (browsers' WebSocket and `ws` both have it). */
export interface WebSocketLike {
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
  binaryType: string;
  send(data: SendData): void;
  close(code?: number, reason?: string): void;
  /** Set by factories that can see the server's pings (browsers cannot); counts as a sign of life. */
  onping?: (() => void) | null;
  /** Drop the connection without a close handshake (`ws`); without it a dead socket is `close()`d. */
  terminate?(): void;
}

/** A WebSocket class with the standard constructor and constants: the browser's `WebSocket`, `ws`'s. */
export interface WebSocketClass {
  new (url: string, protocols?: string | string[]): WebSocketLike;
  readonly OPEN: number;
}

/** Opens a socket: for what a class cannot do alone (options, seeing pings). */
export type WebSocketFactory = (url: string, protocols: string[]) => WebSocketLike;

const isClass = (w: WebSocketClass | WebSocketFactory): w is WebSocketClass =>
  typeof (w as { OPEN?: unknown }).OPEN === 'number';

/** The option as a factory; without it, the global WebSocket. Throws {@link ClientSetupError} when there is none. */
export function resolveWebSocket(option: WebSocketClass | WebSocketFactory | undefined): WebSocketFactory {
  const chosen = option ?? (globalThis as { WebSocket?: WebSocketClass }).WebSocket;
  if (!chosen) {
    throw new ClientSetupError(
      'no WebSocket: this runtime has no global WebSocket; pass the `webSocket` option (in Node import wslb/client from Node, which uses ws)',
    );
  }
  if (!isClass(chosen)) return chosen;
  return (url, protocols) => new chosen(url, protocols);
}

/**
 * Opens one socket. A `SecurityError` (a browser refusing the URL: mixed content, a blocked port) becomes
 * {@link SocketBlockedError}; any other throw (a URL the implementation cannot parse) is rethrown as an Error
 * for the caller to retry through the auth service.
 */
export function openSocket(factory: WebSocketFactory, url: string, protocols: string[]): WebSocketLike {
  try {
    return factory(url, protocols);
  } catch (err) {
    const name = (err as { name?: unknown })?.name;
    if (name === 'SecurityError') {
      throw new SocketBlockedError(
        `the WebSocket to ${url} was refused here: ${(err as Error).message}`,
        err,
      );
    }
    const error = err instanceof Error ? err : new Error(String(err));
    throw new Error(`cannot open ${url}: ${error.message}`, { cause: error });
  }
}
