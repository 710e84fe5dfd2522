import type { Logger } from 'pino';
import type { Connection, NodeApp, NodeAppContext, NodeAppFactory } from './app';
import type { AdmittedClient, ClientHost, ClientSession } from './client-session';
import { CLOSE_APP_ERROR } from './close-codes';

export type AppHook = 'open' | 'message' | 'close' | 'drain';

/**
 * Runs an in-process application: one {@link Connection} per admitted client, each hook guarded so that an app
 * that throws or rejects costs the node one connection (closed with 1011), never the process.
 */
export class AppHost implements ClientHost {
  // biome-ignore lint/suspicious/noExplicitAny: the node hosts apps of any state type
  private readonly app: NodeApp<any>;

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
    const { app } = this;
    const conn: Connection<unknown> = {
      id: client.id,
      identity: client.identity,
      state: undefined,
      get isOpen() {
        return client.ws.readyState === client.ws.OPEN;
      },
      send: (data, binary = typeof data !== 'string') => client.send(data, binary),
      close: (code = 1000, reason = '') => client.close(code, reason),
    };
    let closed = false;
    const fail = (hook: AppHook, err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      this.log.error(
        { hook, connection: client.id, subject: client.identity.subject, err: e.message, stack: e.stack },
        'app hook failed',
      );
      this.onFailure(hook);
      if (!closed) client.close(CLOSE_APP_ERROR, 'internal error');
    };
    const run = (hook: AppHook, call: () => void | Promise<void>) => {
      try {
        const result = call();
        if (result && typeof result.then === 'function') result.then(undefined, (err) => fail(hook, err));
      } catch (err) {
        fail(hook, err);
      }
    };
    try {
      if (app.initialState) conn.state = app.initialState(client.identity);
    } catch (err) {
      fail('open', err);
      return { message() {}, closed() {} };
    }
    if (app.open) run('open', () => app.open!(conn));
    return {
      message: (data, isBinary) => {
        if (app.message && !closed) run('message', () => app.message!(conn, data, isBinary));
      },
      closed: (code, reason) => {
        closed = true;
        if (app.close) run('close', () => app.close!(conn, code, reason));
      },
    };
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
