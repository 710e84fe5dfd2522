import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { ConnectionIdentity } from './app';
import type { ReadGate } from './read-gate';

/** An admitted client as the node hands it to what serves it (the in-process app or the upstream pipe). */
export interface AdmittedClient {
  /** `<nodeId>:<sequence>`. */
  readonly id: string;
  readonly identity: ConnectionIdentity;
  readonly ws: WebSocket;
  /** Stops reading from the client while any reason holds it. */
  readonly gate: ReadGate;
  /**
   * Send with the node's send-buffer limit: a client more than `MAX_BUFFERED_BYTES` behind is closed with 1008
   * and nothing is sent. Returns whether the message was queued.
   */
  send(data: string | Uint8Array, binary: boolean): boolean;
  /** Close from the node's side; the session's `closed` then gets this code. */
  close(code: number, reason: string): void;
}

/** What serves one client: told of each message and, once, of the end. */
export interface ClientSession {
  message(data: Buffer, isBinary: boolean): void;
  /** The node started closing the client (drain, a limit, the app): before the close handshake ends. */
  closing?(code: number, reason: string): void;
  /** The code is the node's own when the node closed the client, else the client's (1006: lost). */
  closed(code: number, reason: string): void;
}

/** The in-process app or the upstream pipe: one per node. */
export interface ClientHost {
  /** A client was admitted; `request` is its upgrade request (not kept by the node). */
  attach(client: AdmittedClient, request: IncomingMessage): ClientSession;
  /** The node started draining, before any client is closed. */
  drain(): void;
}
