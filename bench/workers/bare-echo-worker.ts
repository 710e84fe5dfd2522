import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { BoundedJob } from '../../harness/worker/protocol';
import { serveWorker } from '../../harness/worker/serve';

export interface BareEchoJob extends BoundedJob {
  maxPayloadBytes: number;
}

/**
 * The baseline: a bare `ws` echo server with the node's `ws` options (noServer, no compression, no
 * client tracking, the same payload limit and sub-protocol choice) and nothing else: no token, no cap.
 */
const http = createServer((_req, res) => {
  res.writeHead(426).end();
});
let wss: WebSocketServer | undefined;

serveWorker<BareEchoJob, { port: number }>({
  async run(job) {
    const server = new WebSocketServer({
      noServer: true,
      maxPayload: job.maxPayloadBytes,
      perMessageDeflate: false,
      clientTracking: false,
      handleProtocols: (offered) => (offered.has('wslb') ? 'wslb' : false),
    });
    wss = server;
    http.on('upgrade', (req, socket, head) => {
      socket.on('error', () => socket.destroy());
      server.handleUpgrade(req, socket, head, (ws) => {
        ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
        ws.on('error', () => ws.terminate());
      });
    });
    await new Promise<void>((resolve) => http.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, resolve));
    return { port: (http.address() as AddressInfo).port };
  },
  async stop() {
    wss?.close();
    http.closeAllConnections();
    http.close();
  },
});
