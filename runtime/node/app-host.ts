import type { Logger } from 'pino';
import type { Connection, ConnectionIdentity, NodeApp, NodeAppContext, NodeAppFactory } from './app';
import type { AdmittedClient, ClientHost, ClientSession } from './client-session';
import { CLOSE_APP_ERROR } from './close-codes';

export type AppHook = 'open' | 'message' | 'close' | 'drain';

/**
 * Runs an in-process application: one {@link Connection} per admitted client, each hook guarded so that an app
 * that throws or rejects costs the node one connection (closed with 1011), never the process.
 */
export class AppHost implements ClientHost {
  // biome-ignore lint/suspicious/noExplicitAny: the node hosts apps of any state type
  readonly app: NodeApp<any>;

  /** @throws whatever the factory throws: an app that cannot start stops the node from starting. */
  constructor(
    factory: NodeAppFactory,
    context: NodeAppContext,
    private readonly log: Logger,
    private readonly onFailure: (hook: AppHook) => void,
  ) {
    if (typeof factory !== 'function') {
      throw new TypeError(
        "the node app module's default export must be a function (defineNodeApp(…), see runtime/node/app.ts)",
      );
    }
    this.app = factory(context);
    if (typeof this.app !== 'object' || this.app === null) {
      throw new TypeError('the node app factory must return an object of hooks (see runtime/node/app.ts)');
    }
  }

  attach(client: AdmittedClient): ClientSession {
    const session = new HostedSession(this, client);
    try {
      if (this.app.initialState) session.conn.state = this.app.initialState(client.identity);
    } catch (err) {
      session.fail('open', err);
      return NO_SESSION;
    }
    if (this.app.open) session.run('open', this.app.open);
    return session;
  }

  /** A hook of `conn` failed: logged with the connection's id and subject, and counted. */
  hookFailed(conn: Connection<unknown>, hook: AppHook, err: unknown): void {
    const e = err instanceof Error ? err : new Error(String(err));
    this.log.error(
      { hook, connection: conn.id, subject: conn.identity.subject, err: e.message, stack: e.stack },
      'app hook failed',
    );
    this.onFailure(hook);
  }

  drain(): void {
    const { app } = this;
    if (!app.drain) return;
    const fail = (err: unknown) => {
      this.log.error(
        { hook: 'drain', err: err instanceof Error ? err.message : String(err) },
        'app hook failed',
      );
      this.onFailure('drain');
    };
    try {
      const result = app.drain();
      if (result && typeof result.then === 'function') result.then(undefined, fail);
    } catch (err) {
      fail(err);
    }
  }
}

/** The session of a connection whose `initialState` failed: it is closing, and the app hears nothing more. */
const NO_SESSION: ClientSession = { message() {}, closed() {} };

/**
 * One admitted client as the app sees it. With {@link HostedSession}, one object of shared methods each per
 * connection instead of a set of closures (decision 0194: a node holds hundreds of thousands of these).
 */
class HostedConnection implements Connection<unknown> {
  readonly id: string;
  readonly identity: ConnectionIdentity;
  state: unknown = undefined;
  // A `#` field: an app that logs or spreads its connection sees its id, identity and state, not the socket.
  readonly #client: AdmittedClient;

  constructor(client: AdmittedClient) {
    this.id = client.id;
    this.identity = client.identity;
    this.#client = client;
  }

  get isOpen(): boolean {
    return this.#client.ws.readyState === this.#client.ws.OPEN;
  }

  send(data: string | Uint8Array, binary: boolean = typeof data !== 'string'): boolean {
    return this.#client.send(data, binary);
  }

  close(code = 1000, reason = ''): void {
    this.#client.close(code, reason);
  }
}

/** How the node serves one connection of the app: each hook guarded, a failure closing that connection only. */
class HostedSession implements ClientSession {
  readonly conn: HostedConnection;
  #ended = false;

  constructor(
    private readonly host: AppHost,
    private readonly client: AdmittedClient,
  ) {
    this.conn = new HostedConnection(client);
  }

  message(data: Buffer, isBinary: boolean): void {
    const { message } = this.host.app;
    if (message && !this.#ended) this.run('message', message, data, isBinary);
  }

  closed(code: number, reason: string): void {
    this.#ended = true;
    const { close } = this.host.app;
    if (close) this.run('close', close, code, reason);
  }

  /** Calls an app hook with the connection first; a throw or a rejection goes to {@link fail}. */
  run<A extends unknown[]>(
    hook: AppHook,
    call: (conn: Connection<unknown>, ...args: A) => void | Promise<void>,
    ...args: A
  ): void {
    try {
      const result = call.call(this.host.app, this.conn, ...args);
      if (result && typeof result.then === 'function') result.then(undefined, (err) => this.fail(hook, err));
    } catch (err) {
      this.fail(hook, err);
    }
  }

  /** Logged with the connection's id and subject, counted, and the connection closed with 1011. */
  fail(hook: AppHook, err: unknown): void {
    this.host.hookFailed(this.conn, hook, err);
    if (!this.#ended) this.client.close(CLOSE_APP_ERROR, 'internal error');
  }
}
