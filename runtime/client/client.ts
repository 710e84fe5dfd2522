import { type BackoffOptions, backoffDelay } from './backoff';
import { Emitter } from './emitter';
import { AuthRefusedError, AuthUnavailableError, requestSession, type Session } from './session';

/** The part of the standard WebSocket API the client uses (browsers' WebSocket and `ws` both have it). */
export interface WebSocketLike {
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string | ArrayBuffer | Uint8Array): void;
  close(code?: number, reason?: string): void;
  /** Set by factories that can see the server's pings (browsers cannot); counts as a sign of life. */
  onping?: (() => void) | null;
  /** Drop the connection without a close handshake (`ws`); without it a dead socket is `close()`d. */
  terminate?(): void;
}

export type WebSocketFactory = (url: string, protocols: string[]) => WebSocketLike;

export interface ConnectOptions {
  authUrl: string;
  credentials: { username: string; password: string };
  /** Opens a socket. @default - the global WebSocket */
  webSocket?: WebSocketFactory;
  /** @default - the global fetch */
  fetch?: typeof fetch;
  /** Where the token travels: a sub-protocol (kept out of access logs) or `?token=`. @default 'protocol' */
  tokenIn?: 'protocol' | 'query';
  backoff?: BackoffOptions;
  /** @default Math.random */
  random?: () => number;
  /**
   * Treat an open socket as dead after this long without a ping or message from the server, drop it and
   * go back through the auth service. A balancer that fails over or a node that vanishes sends no FIN, and
   * TCP alone notices only after minutes. Set it above twice the nodes' ping interval. @default - off
   */
  deadAfterMs?: number;
}

export interface ClientEvents {
  open: { url: string; node?: string; attempt: number };
  message: unknown;
  /** An open socket closed (a socket that never opened causes `reconnecting` only). */
  close: { code: number; reason: string; willReconnect: boolean };
  reconnecting: { attempt: number; delayMs: number; cause: string };
  /** Fatal: the auth service refused the credentials; the client stops. */
  error: Error;
}

/**
 * A WebSocket that always goes through the auth service: POST /session, then open the URL it names;
 * on any close that is not a deliberate `close()` or an auth refusal, back off (full jitter) and
 * start again from the auth service, never straight back to the old node.
 */
export class WslbClient extends Emitter<ClientEvents> {
  private socket?: WebSocketLike;
  private session?: Session;
  private attempt = 0;
  private stopped = false;
  private timer?: ReturnType<typeof setTimeout>;
  private watchdog?: ReturnType<typeof setInterval>;
  private lastSignOfLife = 0;
  private readonly random: () => number;
  private readonly fetchImpl: typeof fetch;
  private readonly factory: WebSocketFactory;

  constructor(private readonly options: ConnectOptions) {
    super();
    this.random = options.random ?? Math.random;
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.factory =
      options.webSocket ??
      ((url, protocols) =>
        new (globalThis as unknown as { WebSocket: new (u: string, p: string[]) => WebSocketLike }).WebSocket(
          url,
          protocols,
        ));
  }

  /** The node this client is connected to (under `direct`). */
  get node(): string | undefined {
    return this.session?.node;
  }

  get connected(): boolean {
    return this.socket !== undefined && this.openedAt !== undefined;
  }

  private openedAt?: number;

  start(): this {
    void this.run();
    return this;
  }

  send(data: string | ArrayBuffer | Uint8Array): void {
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

  private async run(): Promise<void> {
    if (this.stopped) return;
    let session: Session;
    try {
      session = await requestSession(this.fetchImpl, this.options.authUrl, this.options.credentials);
    } catch (err) {
      if (err instanceof AuthRefusedError) {
        this.stopped = true;
        this.emit('error', err);
        return;
      }
      const floor = err instanceof AuthUnavailableError ? (err.retryAfterMs ?? 0) : 0;
      return this.retry((err as Error).message, floor);
    }
    if (this.stopped) return;
    this.session = session;
    this.openSocket(session);
  }

  private openSocket(session: Session): void {
    const useQuery = this.options.tokenIn === 'query';
    const url = useQuery ? withToken(session.url, session.token) : session.url;
    const protocols = useQuery ? ['wslb'] : ['wslb', `token.${session.token}`];
    const socket = this.factory(url, protocols);
    this.socket = socket;
    socket.onopen = () => {
      this.openedAt = Date.now();
      this.watch(socket);
      const attempt = this.attempt;
      this.attempt = 0;
      this.emit('open', { url: session.url, node: session.node, attempt });
    };
    socket.onmessage = (event) => {
      this.lastSignOfLife = Date.now();
      this.emit('message', event.data);
    };
    socket.onping = () => {
      this.lastSignOfLife = Date.now();
    };
    socket.onerror = () => {
      // A refused upgrade or a dead node; onclose follows and decides what to do.
    };
    socket.onclose = (event) => {
      const wasOpen = this.openedAt !== undefined;
      clearInterval(this.watchdog);
      this.socket = undefined;
      this.openedAt = undefined;
      if (!wasOpen) {
        // The upgrade was refused (full, draining, bad token) or the node is gone: ask the auth service again.
        if (!this.stopped) void this.retry(`connect failed (${event.code})`, 0);
        return;
      }
      const willReconnect = !this.stopped;
      this.emit('close', { code: event.code, reason: event.reason, willReconnect });
      if (willReconnect) void this.retry(`closed ${event.code}`, 0);
    };
  }

  /** With `deadAfterMs`: check a few times per period that the server still shows signs of life. */
  private watch(socket: WebSocketLike): void {
    const deadAfterMs = this.options.deadAfterMs;
    if (deadAfterMs === undefined) return;
    this.lastSignOfLife = Date.now();
    clearInterval(this.watchdog);
    this.watchdog = setInterval(
      () => {
        if (Date.now() - this.lastSignOfLife < deadAfterMs) return;
        clearInterval(this.watchdog);
        if (socket.terminate) socket.terminate();
        else socket.close(4000, 'server silent');
      },
      Math.max(50, Math.min(1_000, deadAfterMs / 4)),
    );
  }

  private async retry(cause: string, floorMs: number): Promise<void> {
    if (this.stopped) return;
    const delayMs = floorMs + backoffDelay(this.attempt, this.random, this.options.backoff);
    this.attempt += 1;
    this.emit('reconnecting', { attempt: this.attempt, delayMs, cause });
    this.timer = setTimeout(() => void this.run(), delayMs);
  }
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
