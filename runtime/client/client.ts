import { BACKOFF_DEFAULTS, type BackoffOptions, retryDelay } from './backoff.js';
import { closeKind } from './close-kind.js';
import { Emitter } from './emitter.js';
import { AuthRefusedError, AuthUnavailableError, ClientSetupError, SocketBlockedError } from './errors.js';
import { requestSession, type Session, sessionUrl } from './session.js';
import {
  type BinaryType,
  openSocket,
  resolveWebSocket,
  type SendData,
  type WebSocketClass,
  type WebSocketFactory,
  type WebSocketLike,
} from './socket.js';

export interface ConnectOptions {
  /**
   * Base URL of the auth service; the client POSTs to `<authUrl>/session`, keeping its path
   * (`https://example.com/api/auth` → `https://example.com/api/auth/session`).
   */
  authUrl: string;
  credentials: { username: string; password: string };
  /**
   * The WebSocket to use: a class with the standard constructor (the browser's `WebSocket`, `ws`'s) or a
   * factory `(url, protocols) => socket`. @default - the global WebSocket
   */
  webSocket?: WebSocketClass | WebSocketFactory;
  /** How binary messages arrive: `Blob` or `ArrayBuffer`. @default - the socket's own default (browsers: 'blob', Node: Buffer) */
  binaryType?: BinaryType;
  /** @default - the global fetch */
  fetch?: typeof fetch;
  /** Where the token travels: a sub-protocol (kept out of access logs) or `?token=`. @default 'protocol' */
  tokenIn?: 'protocol' | 'query';
  backoff?: BackoffOptions;
  /** @default Math.random */
  random?: () => number;
  /** Give up on a login that has not answered in this time, and retry (Lambda's own limit is 10 s). @default 30000 */
  authTimeoutMs?: number;
  /** Give up on a socket that has not opened in this time (a node that drops SYNs), and retry. @default 15000 */
  openTimeoutMs?: number;
  /**
   * Treat an open socket as dead after this long without a ping or message from the server, drop it and
   * go back through the auth service. A balancer that fails over or a node that vanishes sends no FIN, and
   * TCP alone notices only after minutes. Set it above twice the nodes' ping interval. @default - off
   */
  deadAfterMs?: number;
}

/** A message as it arrives: text as a string; binary as a Blob or ArrayBuffer (`binaryType`), or a Buffer in Node. */
export type IncomingData = string | ArrayBuffer | Blob | Uint8Array;

export interface ClientEvents {
  /** `attempt`: retries since the last stable connection (0 on a first try that worked). */
  open: { url: string; node?: string; attempt: number };
  message: IncomingData;
  /** An open socket closed (a socket that never opened causes `reconnecting` only). */
  close: { code: number; reason: string; willReconnect: boolean };
  /** A try failed and another follows after `delayMs`; `cause` says what failed, `error` carries it. */
  reconnecting: { attempt: number; delayMs: number; cause: string; error?: Error };
  /**
   * Fatal: the client stopped. {@link AuthRefusedError} (wrong credentials or request),
   * {@link ClientSetupError} (no usable authUrl, fetch or WebSocket), {@link SocketBlockedError}.
   */
  error: Error;
}

/** Failures that retrying cannot fix: the client stops with an `error` event. */
const FATAL = [AuthRefusedError, ClientSetupError, SocketBlockedError];

/** Why the next try is needed, for its delay. */
type Failure = { cause: string; error?: Error; floorMs?: number; kind?: 'unplanned' | 'planned' };

/**
 * A WebSocket that always goes through the auth service: POST /session, then open the URL it names;
 * on any failure that is not a deliberate `close()` or a refusal, back off (full jitter) and start again
 * from the auth service, never straight back to the old node. Every failure becomes an event: `reconnecting`
 * while it retries, `error` when it stops; nothing is thrown into code that no one awaits.
 */
export class WslbClient extends Emitter<ClientEvents> {
  private readonly options: ConnectOptions;
  private readonly random: () => number;
  private socket?: WebSocketLike;
  private session?: Session;
  private openedAt?: number;
  private attempt = 0;
  /** Planned moves (1012 after an open) since the last stable connection: their own, separate back-off. */
  private moves = 0;
  private stopped = false;
  private timer?: ReturnType<typeof setTimeout>;
  private watchdog?: ReturnType<typeof setInterval>;
  private lastSignOfLife = 0;

  constructor(options: ConnectOptions) {
    super();
    this.options = options;
    this.random = options.random ?? Math.random;
  }

  /** The node this client is connected to (under `direct`). */
  get node(): string | undefined {
    return this.session?.node;
  }

  get connected(): boolean {
    return this.socket !== undefined && this.openedAt !== undefined;
  }

  /** Starts on the next microtask, so listeners added right after `connect()` see every event. */
  start(): this {
    queueMicrotask(() => void this.run());
    return this;
  }

  /** Sends on the open socket; throws `Error('not connected')` when there is none. */
  send(data: SendData): void {
    if (!this.socket || this.openedAt === undefined) throw new Error('not connected');
    this.socket.send(data);
  }

  /** Deliberate close: no reconnect. */
  close(code = 1000, reason = 'client closing'): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.watchdog);
    this.socket?.close(code, reason);
  }

  private stop(error: Error): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.emit('error', error);
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    try {
      const fetchImpl = this.options.fetch ?? globalThis.fetch?.bind(globalThis);
      if (!fetchImpl) throw new ClientSetupError('no fetch: pass the `fetch` option');
      const url = sessionUrl(this.options.authUrl);
      const session = await requestSession(
        fetchImpl,
        url,
        this.options.credentials,
        this.options.authTimeoutMs,
      );
      if (this.stopped) return;
      this.session = session;
      this.open(session);
    } catch (err) {
      this.fail(err);
    }
  }

  /** A failure before a socket exists: stop on what retrying cannot fix, else retry. */
  private fail(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    if (FATAL.some((kind) => error instanceof kind)) {
      this.stop(error);
      return;
    }
    const floorMs = error instanceof AuthUnavailableError ? error.retryAfterMs : undefined;
    this.retry({ cause: error.message, error, floorMs });
  }

  private open(session: Session): void {
    const useQuery = this.options.tokenIn === 'query';
    const protocols = useQuery ? ['wslb'] : ['wslb', `token.${session.token}`];
    const url = useQuery ? withToken(session.url, session.token) : session.url;
    const make = resolveWebSocket(this.options.webSocket);
    const socket = openSocket(make, url, protocols);
    if (this.options.binaryType) socket.binaryType = this.options.binaryType;
    this.socket = socket;
    const openTimer = setTimeout(() => {
      if (this.socket === socket && this.openedAt === undefined) drop(socket, 4000, 'open timed out');
    }, this.options.openTimeoutMs ?? 15_000);
    let silent = false;
    socket.onopen = () => {
      clearTimeout(openTimer);
      if (this.socket !== socket) return;
      this.openedAt = Date.now();
      this.watch(socket, () => {
        silent = true;
      });
      this.emit('open', { url: session.url, node: session.node, attempt: this.attempt });
    };
    socket.onmessage = (event) => {
      this.lastSignOfLife = Date.now();
      this.emit('message', event.data as IncomingData);
    };
    socket.onping = () => {
      this.lastSignOfLife = Date.now();
    };
    socket.onerror = () => {
      // A refused upgrade or a dead node; onclose follows and decides what to do.
    };
    socket.onclose = (event) => {
      clearTimeout(openTimer);
      if (this.socket !== socket) return;
      const openedAt = this.openedAt;
      clearInterval(this.watchdog);
      this.socket = undefined;
      this.openedAt = undefined;
      if (openedAt === undefined) {
        // The upgrade was refused (full, draining, bad token) or the node is gone: ask the auth service again.
        if (!this.stopped) this.retry({ cause: `connect failed (${event.code})` });
        return;
      }
      if (Date.now() - openedAt >= (this.options.backoff?.stableAfterMs ?? BACKOFF_DEFAULTS.stableAfterMs)) {
        this.attempt = 0;
        this.moves = 0;
      }
      const willReconnect = !this.stopped;
      this.emit('close', { code: event.code, reason: event.reason, willReconnect });
      if (!willReconnect) return;
      const kind = silent ? 'unplanned' : closeKind(event.code);
      this.retry({
        cause: silent ? 'server silent' : `closed ${event.code}`,
        kind: kind === 'ordinary' ? undefined : kind,
      });
    };
  }

  /** With `deadAfterMs`: check a few times per period that the server still shows signs of life. */
  private watch(socket: WebSocketLike, onSilent: () => void): void {
    const deadAfterMs = this.options.deadAfterMs;
    if (deadAfterMs === undefined) return;
    this.lastSignOfLife = Date.now();
    clearInterval(this.watchdog);
    this.watchdog = setInterval(
      () => {
        if (Date.now() - this.lastSignOfLife < deadAfterMs) return;
        clearInterval(this.watchdog);
        onSilent();
        drop(socket, 4000, 'server silent');
      },
      Math.max(50, Math.min(1_000, deadAfterMs / 4)),
    );
  }

  /**
   * Schedules the next try. A planned move (1012 on an open socket) draws its window from the moves since the
   * last stable connection, not from `attempt`: the node spread the move over its drain window already, so
   * failures before it (a login storm, refused opens) must not hold the client back up to `maxMs`; a client
   * bounced again and again before a stable connection still backs off further each time (decision 0184).
   */
  private retry(failure: Failure): void {
    if (this.stopped) return;
    const planned = failure.kind === 'planned';
    const delayMs = retryDelay(
      {
        attempt: planned ? this.moves : this.attempt,
        floorMs: failure.floorMs,
        unplanned: failure.kind === 'unplanned',
      },
      this.random,
      this.options.backoff,
    );
    if (planned) this.moves += 1;
    this.attempt += 1;
    this.emit('reconnecting', { attempt: this.attempt, delayMs, cause: failure.cause, error: failure.error });
    this.timer = setTimeout(() => void this.run(), delayMs);
  }
}

/** Ends a socket without waiting for the peer: `terminate` where there is one (`ws`), else `close`. */
function drop(socket: WebSocketLike, code: number, reason: string): void {
  if (socket.terminate) socket.terminate();
  else socket.close(code, reason);
}

function withToken(url: string, token: string): string {
  const u = new URL(url);
  u.searchParams.set('token', token);
  return u.toString();
}

/** Start a client; listen for `open`, `message`, `close`, `reconnecting`, `error`. */
export function connect(options: ConnectOptions): WslbClient {
  return new WslbClient(options).start();
}
