import type { ClientEvents, ConnectOptions, WslbClient } from '../../../../runtime/client';
import { connect } from '../../../../runtime/client/node';
import type { NodeServer, NodeServerOptions } from '../../../../runtime/node/node-server';
import { testKeyRing } from '../../../helpers/keys';
import { testNodeServer } from '../../../helpers/test-node';
import { StubAuth } from './stub-auth';

/**
 * A real node (`node-1`) and a scripted auth service on loopback, and clients with test-sized back-off.
 * Call `setUp` in beforeEach and `tearDown` in afterEach.
 */
export class ClientRig {
  readonly keys = testKeyRing();
  node!: NodeServer;
  auth!: StubAuth;
  private readonly clients: WslbClient[] = [];

  async setUp(nodeOptions: Partial<NodeServerOptions> = {}): Promise<void> {
    this.auth = await new StubAuth(this.keys).listen();
    await this.startNode(nodeOptions);
  }

  /** (Re)starts the node on a new port; the auth service hands that out from now on. */
  async startNode(nodeOptions: Partial<NodeServerOptions> = {}): Promise<void> {
    this.node = testNodeServer(this.keys, nodeOptions);
    this.auth.nodeUrl = `ws://127.0.0.1:${await this.node.listen('127.0.0.1', 0)}`;
  }

  async tearDown(): Promise<void> {
    for (const c of this.clients.splice(0)) c.close();
    await this.node.close();
    await this.auth.close();
  }

  /** A Node client of this rig; `options` override the test defaults (base 20 ms, max 100 ms, spread 200 ms). */
  start(options: Partial<ConnectOptions> & { password?: string } = {}): WslbClient {
    const { password = 'right', ...rest } = options;
    const c = connect({
      authUrl: this.auth.url,
      credentials: { username: 'alice', password },
      backoff: { baseMs: 20, maxMs: 100, unplannedSpreadMs: 200 },
      ...rest,
    });
    this.clients.push(c);
    return c;
  }
}

/** The next `name` event of `c`. */
export const once = <K extends keyof ClientEvents>(c: WslbClient, name: K) =>
  new Promise<ClientEvents[K]>((resolve) => {
    const listener = (e: ClientEvents[K]) => {
      c.off(name, listener);
      resolve(e);
    };
    c.on(name, listener);
  });

/** Every `name` event of `c` from now on, in order. */
export function record<K extends keyof ClientEvents>(c: WslbClient, name: K): ClientEvents[K][] {
  const seen: ClientEvents[K][] = [];
  c.on(name, (e) => seen.push(e));
  return seen;
}

/** Resolves with `promise`, or rejects naming `what` after `ms` (a generous bound, not a timing claim). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
