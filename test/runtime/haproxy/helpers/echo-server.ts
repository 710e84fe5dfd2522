import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

export interface EchoServer {
  port: number;
  /** Currently open WebSockets. */
  open(): number;
  /** Remote addresses of every accepted WebSocket so far. */
  remoteAddresses: string[];
  close(): Promise<void>;
}

/** A tiny WS node stand-in on 127.0.0.1:0: echoes every message, answers GET /healthz with 200. */
export async function startEchoServer(): Promise<EchoServer> {
  const http: Server = createServer((req, res) => {
    res.writeHead(req.url === '/healthz' ? 200 : 404).end();
  });
  const wss = new WebSocketServer({ server: http });
  const remoteAddresses: string[] = [];
  wss.on('connection', (socket, req) => {
    remoteAddresses.push(req.socket.remoteAddress ?? '');
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    port: (http.address() as AddressInfo).port,
    open: () => wss.clients.size,
    remoteAddresses,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}
