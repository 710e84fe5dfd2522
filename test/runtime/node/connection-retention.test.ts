import type { IncomingMessage, Server } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type WebSocket from 'ws';
import type { NodeServer } from '../../../runtime/node/node-server';
import { issueToken } from '../../../runtime/token';
import { testKeyRing } from '../../helpers/keys';
import { testNodeServer } from '../../helpers/test-node';
import { nextMessage, tryOpen } from '../../helpers/ws-client';

// A full collection on demand, without starting jest with --expose-gc: a new context gets `gc` once the flag is set.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const keys = testKeyRing();
const open: WebSocket[] = [];
let server: NodeServer;

afterEach(async () => {
  for (const ws of open.splice(0)) ws.terminate();
  await server?.close();
});

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('what an open connection holds', () => {
  // The node needs the upgrade request only during admission. A listener or closure that outlives it and shares
  // its scope kept the request, its headers and the token claims for the whole connection: ~1.7 KB of heap a
  // connection in bench section 1 (the 2026-11-30 memory regression, bench/README.md).
  it('keeps no upgrade request once the WebSocket is open', async () => {
    server = testNodeServer(keys);
    const port = await server.listen('127.0.0.1', 0);
    const requests: WeakRef<IncomingMessage>[] = [];
    const http = (server as unknown as { http: Server }).http;
    http.prependListener('upgrade', (req: IncomingMessage) => {
      requests.push(new WeakRef(req));
    });
    for (let i = 0; i < 5; i++) {
      const { token } = await issueToken(keys, { subject: `user-${i}`, audience: 'node-1' });
      const { ws } = await tryOpen(`ws://127.0.0.1:${port}/?token=${token}`);
      open.push(ws!);
      ws!.send('hello');
      expect(await nextMessage(ws!)).toBe('hello');
    }
    expect(requests).toHaveLength(5);
    expect(server.openConnections).toBe(5);
    // A WeakRef's target lives to the end of the job that made it: collect after a turn, twice for finalizers.
    await turn();
    collectGarbage();
    await turn();
    collectGarbage();
    expect(requests.filter((r) => r.deref() !== undefined)).toHaveLength(0);
    expect(server.openConnections).toBe(5);
  });
});
