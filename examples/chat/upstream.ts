import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { WebSocketServer } from 'ws';
import { parseDecimalInt } from '../../runtime/contract/decimal';
import { IDENTITY_HEADERS } from '../../runtime/contract/upstream';
import { ChatRoom } from './room';

/**
 * The chat room as a sidecar upstream: a plain `ws` server that trusts the node's `x-wslb-*` headers, so it listens
 * on loopback only. Any language works the same way; this one shares room.ts with the in-process app.
 */
export interface ChatUpstream {
  /** `ws://127.0.0.1:<port>`: the node's UPSTREAM_URL. */
  url: string;
  room: ChatRoom;
  close(): Promise<void>;
}

export async function startChatUpstream(port = 0): Promise<ChatUpstream> {
  const room = new ChatRoom();
  const wss = new WebSocketServer({ host: '127.0.0.1', port });
  wss.on('connection', (ws, req) => {
    const name = req.headers[IDENTITY_HEADERS.subject];
    const id = req.headers[IDENTITY_HEADERS.connection];
    if (typeof name !== 'string' || typeof id !== 'string') return ws.close(1008, 'not from a wslb node');
    room.join({ id, name: decodeURIComponent(name), send: (text) => ws.send(text) });
    ws.on('message', (data, isBinary) => room.say(id, isBinary ? undefined : data.toString()));
    ws.on('close', (code) => {
      // The node passes its drain on as 1012: the room tells the others before they are moved too.
      if (code === 1012) room.closing();
      room.leave(id);
    });
  });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    room,
    close: () =>
      new Promise((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** `npx tsx examples/chat/upstream.ts --port 9000`, then `npm start -- --upstream ws://127.0.0.1:9000`. */
if (require.main === module) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '9000' } } });
  Promise.resolve()
    .then(() => startChatUpstream(parseDecimalInt('--port', values.port, 0, 65535)))
    .then(
      (upstream) => process.stderr.write(`chat upstream on ${upstream.url}\n`),
      (err: Error) => {
        process.stderr.write(`${err.message}\n`);
        process.exit(1);
      },
    );
}
