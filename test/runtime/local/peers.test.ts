import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { healthOf } from '../../../runtime/local/node-health';
import type { NodeProcess } from '../../../runtime/local/node-process';
import { peerAddresses } from '../../../runtime/local/peers';

let server: Server;
let port: number;
const sockets: Socket[] = [];

beforeEach(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"nodeId":"node-1","state":"active","connections":1}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/**
 * The peers once the connections that are closing have closed: polled for at most 1 s by the clock, well under
 * the 4 s a pooled keep-alive connection stays open.
 */
async function settledPeers(expected: number): Promise<Record<string, number>> {
  const start = Date.now();
  let peers = Object.fromEntries(peerAddresses(port));
  while (Object.keys(peers).length > expected && Date.now() - start < 1000) {
    await new Promise((r) => setTimeout(r, 50));
    peers = Object.fromEntries(peerAddresses(port));
  }
  return peers;
}

describe("the summary's peers: the node's clients, not the cluster's own requests", () => {
  test('reading /healthz (as the summary does just before) leaves no connection to the node behind', async () => {
    expect(await healthOf({ port } as NodeProcess, undefined)).toMatchObject({ connections: 1 });
    expect(await settledPeers(0)).toEqual({});
  });

  test('a client connection is counted by its address', async () => {
    const client = connect({ host: '127.0.0.1', port, localAddress: '127.0.1.7' });
    sockets.push(client);
    await new Promise((r) => client.once('connect', r));
    await healthOf({ port } as NodeProcess, undefined);
    const peers = await settledPeers(1);
    expect(peers).toEqual({ '127.0.1.7': 1 });
  });
});
