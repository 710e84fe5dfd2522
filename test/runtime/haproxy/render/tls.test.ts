import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { type LocalHaproxy, startLocalHaproxy } from '../../../../runtime/local/local-haproxy';
import { createLogger } from '../../../../runtime/shared/log';
import { type EchoServer, startEchoServer } from '../helpers/echo-server';
import { selfSignedPem } from '../helpers/tls-cert';
import { describeWithTool, toolOrSkip } from '../helpers/tools';
import { echo } from '../helpers/ws-client';

describeWithTool('haproxy', 'apt-get install -y haproxy')('TLS termination with the real haproxy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wslb-tls-'));
  let server: EchoServer | undefined;
  let haproxy: LocalHaproxy | undefined;
  let ws: WebSocket | undefined;

  afterAll(async () => {
    try {
      ws?.terminate();
      await haproxy?.close();
    } finally {
      await server?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves wss:// with the rendered `bind … ssl crt` and proxies plain ws to the node', async () => {
    const openssl = toolOrSkip('openssl', 'apt-get install -y openssl');
    if (!openssl) return;
    const pem = selfSignedPem(openssl, dir);
    server = await startEchoServer();
    haproxy = await startLocalHaproxy({
      backends: [{ id: 'n1', host: '127.0.0.1', port: server.port }],
      tlsCertFile: pem,
      logger: createLogger('test', 'silent'),
    });
    expect(haproxy.url).toMatch(/^wss:\/\//);
    let lastError: unknown;
    for (let attempt = 0; attempt < 50 && !ws; attempt++) {
      try {
        ws = await new Promise<WebSocket>((resolve, reject) => {
          const socket = new WebSocket(haproxy!.url, { ca: [readFileSync(pem)] });
          socket.once('open', () => resolve(socket));
          socket.once('error', reject);
        });
      } catch (error) {
        lastError = error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    if (!ws) throw lastError;
    expect(await echo(ws, 'over tls')).toBe('over tls');
    expect(server.open()).toBe(1);
  });
});
