import type WebSocket from 'ws';
import type { Strategy } from '../../../runtime/contract/strategies';
import type { NodeServer } from '../../../runtime/node/node-server';
import { PathWatch } from '../../../runtime/node/path-watch';
import type { ClientPathStore, CurrentPath } from '../../../runtime/registry';
import { issueToken } from '../../../runtime/token';
import { testKeyRing } from '../../helpers/keys';
import { silentLog } from '../../helpers/silent-log';
import { testNodeServer } from '../../helpers/test-node';
import { closed, tryOpen } from '../../helpers/ws-client';

const keys = testKeyRing();
const open: WebSocket[] = [];
let server: NodeServer;
let base: string;

/** The registry's path item, as a switch writes it. */
class MemoryPaths implements ClientPathStore {
  path?: CurrentPath;
  failing = false;
  async currentPath() {
    if (this.failing) throw new Error('registry down');
    return this.path;
  }
  async setCurrentPath(p: { strategy: Strategy; retiring?: Strategy }) {
    this.path = { ...p, since: Date.now() };
  }
}

beforeEach(async () => {
  server = testNodeServer(keys, { audiences: ['node-1', 'wslb'] });
  base = `ws://127.0.0.1:${await server.listen('127.0.0.1', 0)}`;
});
afterEach(async () => {
  for (const ws of open.splice(0)) ws.terminate();
  await server.close();
});

async function client(strategy?: Strategy): Promise<WebSocket> {
  const audience = strategy === 'direct' ? 'node-1' : 'wslb';
  const { token } = await issueToken(keys, { subject: 'alice', audience, strategy });
  const { ws } = await tryOpen(`${base}/?token=${token}`);
  open.push(ws!);
  return ws!;
}

describe('PathWatch: moving clients off a path that is no longer current', () => {
  it('closes every client on another path with 1012 within the window, and only those', async () => {
    const onNlb = await Promise.all(Array.from({ length: 20 }, () => client('nlb')));
    const onHaproxy = await Promise.all(Array.from({ length: 5 }, () => client('haproxy')));
    const unnamed = await client(undefined);
    expect(server.connectionsByPath()).toEqual({ nlb: 20, haproxy: 5 });
    const paths = new MemoryPaths();
    const watch = new PathWatch(paths, server, { intervalMs: 60_000, windowMs: 2000, log: silentLog });
    await watch.check();
    expect(server.offPath('haproxy')).toBe(20);
    expect(watch.current).toBeUndefined(); // no path written: nobody moves

    await paths.setCurrentPath({ strategy: 'haproxy', retiring: 'nlb' });
    const closes = Promise.all(onNlb.map(closed));
    const started = Date.now();
    await watch.check();
    expect(watch.current).toBe('haproxy');
    const codes = await closes;
    await watch.settled();
    expect(codes.every((c) => c.code === 1012)).toBe(true);
    // Spread over the window, not all at once, and done within it (+ scheduling slack on a busy machine).
    expect(Date.now() - started).toBeGreaterThan(500);
    expect(Date.now() - started).toBeLessThan(2000 + 3000);
    expect(server.connectionsByPath()).toEqual({ haproxy: 5 });
    for (const ws of [...onHaproxy, unnamed]) expect(ws.readyState).toBe(ws.OPEN);
  });

  it('moves a client that arrives on the old path after a round, in the next round', async () => {
    const paths = new MemoryPaths();
    await paths.setCurrentPath({ strategy: 'direct', retiring: 'haproxy' });
    const watch = new PathWatch(paths, server, { intervalMs: 60_000, windowMs: 400, log: silentLog });
    const first = await client('haproxy');
    const firstClosed = closed(first);
    await watch.check();
    expect((await firstClosed).code).toBe(1012);
    await watch.settled();
    const late = await client('haproxy');
    const stays = await client('direct');
    const lateClosed = closed(late);
    await watch.check();
    expect((await lateClosed).code).toBe(1012);
    expect(stays.readyState).toBe(stays.OPEN);
  });

  it("moves late arrivals at the first round's pace, not over a whole window again", async () => {
    const paths = new MemoryPaths();
    await paths.setCurrentPath({ strategy: 'direct', retiring: 'haproxy' });
    const watch = new PathWatch(paths, server, { intervalMs: 60_000, windowMs: 6_000, log: silentLog });
    const early = await Promise.all(Array.from({ length: 30 }, () => client('haproxy')));
    const earlyClosed = Promise.all(early.map(closed));
    await watch.check();
    const late = await Promise.all(Array.from({ length: 10 }, () => client('haproxy')));
    await earlyClosed;
    await watch.settled();
    // Ten of thirty: a third of the window, closes over its first 1.5 s; a whole window again spread them over
    // 4.5 s (the last quarter is kept for close handshakes).
    const lateClosed = Promise.all(late.map(closed));
    const started = Date.now();
    await watch.check();
    expect((await lateClosed).every((c) => c.code === 1012)).toBe(true);
    expect(Date.now() - started).toBeLessThan(3_500);
  });

  it('keeps everyone when the registry cannot be read, and moves nobody while draining', async () => {
    const paths = new MemoryPaths();
    await paths.setCurrentPath({ strategy: 'haproxy' });
    paths.failing = true;
    const watch = new PathWatch(paths, server, { intervalMs: 60_000, windowMs: 400, log: silentLog });
    const ws = await client('nlb');
    await watch.check();
    paths.failing = false;
    server.startDrain();
    await watch.check();
    await watch.settled();
    expect(ws.readyState).toBe(ws.OPEN);
    expect(server.offPath('haproxy')).toBe(1);
  });
});
