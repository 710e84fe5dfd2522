import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { haproxyCertificateApplier } from '../../../../runtime/haproxy/agent/certificate';
import { requireHaproxy } from '../../../../runtime/haproxy/agent/haproxy-binary';
import { showProc } from '../../../../runtime/haproxy/agent/master-cli';
import { MasterReloader } from '../../../../runtime/haproxy/agent/reloader';
import { renderHaproxyConfig } from '../../../../runtime/haproxy/render/render-haproxy';
import { freePorts } from '../../../../runtime/local/free-port';
import { type HaproxyProcess, spawnHaproxy } from '../../../../runtime/local/haproxy-process';
import { makeLocalCa } from '../../../../runtime/local/tls-ca';
import { startTlsRefresh, type TlsRefresh } from '../../../../runtime/shared/tls-refresh';
import { type EchoServer, startEchoServer } from '../helpers/echo-server';
import { memoryLogger } from '../helpers/logger';
import { describeWithTool, toolOrSkip } from '../helpers/tools';
import { echo } from '../helpers/ws-client';

/** Opens wss with only `ca` trusted; rejects with the TLS error when the server's certificate is not its. */
function openWss(url: string, ca: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { ca: [ca] });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('no open within 10 s'));
    }, 10_000);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve(ws);
    });
    ws.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

describeWithTool('haproxy', 'apt-get install -y haproxy')(
  'certificate rotation on a running HAProxy through the runtime API',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'wslb-hotswap-'));
    const sockets: WebSocket[] = [];
    let server: EchoServer | undefined;
    let haproxy: HaproxyProcess | undefined;
    let refresh: TlsRefresh | undefined;

    afterAll(async () => {
      refresh?.stop();
      for (const ws of sockets) ws.terminate();
      try {
        await haproxy?.stop();
      } finally {
        await server?.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('serves the new certificate to new handshakes, keeps open connections, starts no process', async () => {
      const openssl = toolOrSkip('openssl', 'apt-get install -y openssl');
      if (!openssl) return;
      const bin = requireHaproxy();
      const [first, second] = await Promise.all(
        ['ca1', 'ca2'].map(async (name) => {
          const sub = join(dir, name);
          mkdirSync(sub);
          return makeLocalCa(sub, { openssl, label: name });
        }),
      );
      const ca1 = readFileSync(first!.caFile, 'utf8');
      const ca2 = readFileSync(second!.caFile, 'utf8');
      // The secret the operator rotates: a file here, Secrets Manager on EC2 (same reader).
      const secretFile = join(dir, 'secret.pem');
      writeFileSync(secretFile, readFileSync(first!.bundleFile));
      const certFile = join(dir, 'certs', 'wslb.pem');
      const statsSocket = join(dir, 'admin.sock');
      const pidFile = join(dir, 'haproxy.pid');
      const masterSocket = join(dir, 'master.sock');
      const reloader = new MasterReloader({ pidFile, masterSocket });
      const { logger, events } = memoryLogger();
      refresh = await startTlsRefresh({
        source: { kind: 'file', path: secretFile },
        apply: haproxyCertificateApplier({ file: certFile, statsSocket, reloader, logger }),
        refreshMs: 3_600_000,
        log: logger,
      });
      expect(statSync(certFile).mode & 0o777).toBe(0o600);

      server = await startEchoServer();
      const [port, statsPort] = await freePorts(2);
      const configPath = join(dir, 'haproxy.cfg');
      writeFileSync(
        configPath,
        renderHaproxyConfig({
          listen: { address: '127.0.0.1', port: port! },
          stats: { address: '127.0.0.1', port: statsPort! },
          statsSocket,
          tlsCertFile: certFile,
          maxconn: 1000,
          backends: [{ id: 'n1', host: '127.0.0.1', port: server.port }],
          healthCheck: { interMs: 200, rise: 1 },
        }).text,
      );
      haproxy = await spawnHaproxy(bin, configPath, pidFile, masterSocket);
      const url = `wss://127.0.0.1:${port}`;
      let before: WebSocket | undefined;
      for (let attempt = 0; attempt < 50 && !before; attempt++) {
        before = await openWss(url, ca1).catch(() => undefined);
        if (!before) await new Promise((r) => setTimeout(r, 200));
      }
      if (!before) throw new Error('no wss connection through haproxy with the first certificate');
      sockets.push(before);
      const workersBefore = (await showProc(masterSocket)).filter((p) => p.type === 'worker');

      // The operator puts a new bundle into the secret (another CA: a client can tell which one it got).
      writeFileSync(secretFile, readFileSync(second!.bundleFile));
      expect(await refresh.refresh()).toBe('changed');
      expect(await refresh.refresh()).toBe('same');

      const after = await openWss(url, ca2);
      sockets.push(after);
      expect(await echo(after, 'new certificate')).toBe('new certificate');
      await expect(openWss(url, ca1)).rejects.toThrow(/self[- ]signed|unable to (get|verify)|certificate/i);
      // The connection made before the rotation is still open and served.
      expect(await echo(before, 'still here')).toBe('still here');
      expect((await showProc(masterSocket)).filter((p) => p.type === 'worker')).toEqual(workersBefore);
      expect(events()).toContain('tls_certificate_swapped');
      expect(events()).not.toContain('tls_certificate_swap_failed');
      // A later reload or start reads the file: it holds the new bundle too.
      expect(readFileSync(certFile, 'utf8')).toBe(refresh.current().pem);
    }, 90_000);

    it('keeps the certificate in service when the secret turns into something that is not a bundle', async () => {
      if (!refresh) return;
      const inService = refresh.current().fingerprint;
      writeFileSync(join(dir, 'secret.pem'), 'not a certificate');
      await expect(refresh.refresh()).rejects.toThrow(/certificate file .*secret\.pem: no CERTIFICATE block/);
      expect(refresh.current().fingerprint).toBe(inService);
    });
  },
);
