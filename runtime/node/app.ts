import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

/**
 * The interface between the node and the application it hosts (docs/node-app.md). An application module's
 * default export is a {@link NodeAppFactory}, best written with {@link defineNodeApp}; the node calls it once at
 * start and then calls the returned hooks for every admitted connection. The node has already checked the token,
 * its cap and its drain state when `open` runs: the app sees only verified identities.
 */

/** Who is on a connection, as the node verified it before the upgrade. */
export interface ConnectionIdentity {
  /** The wslb token's `sub`: the user name, or the OIDC subject the auth service took it from. */
  readonly subject: string;
  /** Every claim of the wslb token (`sub`, `aud`, `jti`, `iat`, `exp` in seconds). */
  readonly claims: Readonly<Record<string, unknown>>;
  /** The id of the node holding the connection (the instance id in AWS, `node-N` locally). */
  readonly nodeId: string;
}

/** One client's WebSocket as an application sees it. `S` is the app's per-connection state. */
export interface Connection<S> {
  /** Unique on this node and across nodes: `<nodeId>:<sequence>`. */
  readonly id: string;
  readonly identity: ConnectionIdentity;
  /** The app's state for this connection, as `initialState` made it; the app may replace or mutate it. */
  state: S;
  /** Whether the socket is open (`send` does nothing once it is not). */
  readonly isOpen: boolean;
  /**
   * Queue a message to the client. `binary` defaults to whether `data` is bytes. Returns false, sending nothing,
   * when the socket is no longer open or when the client has fallen more than `MAX_BUFFERED_BYTES` behind (that
   * client is then closed with 1008).
   */
  send(data: string | Uint8Array, binary?: boolean): boolean;
  /** Close with a code the app may send (1000, or 3000-4999 of its own) and a reason of at most 123 bytes. @default 1000 */
  close(code?: number, reason?: string): void;
}

/** What the node gives an application once, at start. */
export interface NodeAppContext {
  readonly nodeId: string;
  /** A pino child of the node's logger (`component: "app"`): JSON lines next to the node's own. */
  readonly log: Logger;
  /** The node's prom-client registry, served at `/metrics`: register the app's metrics in it. */
  readonly metrics: Registry;
}

/**
 * The hooks of an application. Each may return a promise; a hook that throws or rejects is logged with the
 * connection's id and subject, and that connection (only) is closed with 1011. Hooks of one connection are
 * called in order but not awaited one after the other.
 */
export interface NodeApp<S = undefined> {
  /** The state a new connection starts with. @default - `undefined` */
  initialState?(identity: ConnectionIdentity): S;
  /** A client was admitted and its WebSocket is open. */
  open?(conn: Connection<S>): void | Promise<void>;
  /** A whole message arrived: `data` holds its bytes; `isBinary` is false for a text message (UTF-8). */
  message?(conn: Connection<S>, data: Buffer, isBinary: boolean): void | Promise<void>;
  /** The connection is closed (by either side, or lost: 1006). Sending is no longer possible. */
  close?(conn: Connection<S>, code: number, reason: string): void | Promise<void>;
  /**
   * The node started draining: no new client is admitted, and the node closes every connection with 1012 over
   * its drain window (clients reconnect through the auth service to another node). Called once, before the first
   * close; connections are still open.
   */
  drain?(): void | Promise<void>;
}

/** The default export of an application module. */
// biome-ignore lint/suspicious/noExplicitAny: the node hosts apps of any state type
export type NodeAppFactory<S = any> = (node: NodeAppContext) => NodeApp<S>;

/** Types an application module's default export: `export default defineNodeApp((node) => ({ … }))`. */
export function defineNodeApp<S = undefined>(
  factory: (node: NodeAppContext) => NodeApp<S>,
): NodeAppFactory<S> {
  return factory;
}
