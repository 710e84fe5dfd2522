import WebSocket, { type ClientOptions } from 'ws';
import { type ConnectOptions, connect as connectCore, type WslbClient } from './client.js';
import type { WebSocketFactory, WebSocketLike } from './socket.js';

export * from './index.js';

/** A WebSocket factory backed by `ws`, for Node; `options` reach every socket (e.g. `localAddress`). */
export function wsFactory(options: ClientOptions = {}): WebSocketFactory {
  // ws's handlers take its own event types, a superset of what WebSocketLike reads.
  return (url, protocols) => {
    const ws = new WebSocket(url, protocols, { perMessageDeflate: false, ...options });
    const like = ws as unknown as WebSocketLike;
    ws.on('ping', () => like.onping?.());
    return like;
  };
}

/** `connect` for Node: the same client with `ws` underneath (it sees the server's pings). */
export function connect(options: ConnectOptions & { wsOptions?: ClientOptions }): WslbClient {
  return connectCore({ ...options, webSocket: options.webSocket ?? wsFactory(options.wsOptions) });
}
