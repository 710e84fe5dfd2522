import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join, relative } from 'node:path';
import { DescribeAddressesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { awsClientConfig } from '../../../runtime/shared/aws-client';

const ROOT = join(__dirname, '../../..');
const CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'not-a-secret' };

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** A loopback port whose listen backlog is full and never drained: a connect to it hangs (SYN dropped). */
async function blackHole(): Promise<{ port: number; child: ChildProcess; fillers: Socket[] }> {
  // The child blocks its event loop right after listen, so libuv never accepts.
  const script = `const s=require('net').createServer().listen({port:0,host:'127.0.0.1',backlog:1},()=>{
    process.stdout.write(String(s.address().port)+'\\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0,60000);});`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  const port = Number(String(chunk).trim());
  // Fill the accept queue (backlog 1 holds two finished handshakes); later connects wait for a SYN-ACK.
  const fillers = [0, 1].map(() => connect(port, '127.0.0.1').on('error', () => {}));
  await Promise.all(fillers.map((f) => once(f, 'connect')));
  return { port, child, fillers };
}

describe('awsClientConfig: every SDK client of the runtime has connect and request timeouts', () => {
  test('every `new …Client(` in runtime/ takes its configuration from awsClientConfig', () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(join(ROOT, 'runtime'))) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/new (\w+Client)\(([^)]*)/g)) {
        // The product's own WebSocket client is not an SDK client.
        if (match[1] === 'WslbClient') continue;
        if (!match[2]!.trimStart().startsWith('awsClientConfig('))
          offenders.push(`${relative(ROOT, file)}: ${match[0]}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  test('defaults: 3 s connect, 10 s request, and a request timeout throws instead of only warning', () => {
    expect(awsClientConfig({ region: 'eu-west-1' })).toEqual({
      region: 'eu-west-1',
      maxAttempts: 3,
      requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000, throwOnRequestTimeout: true },
    });
  });

  describe('against loopback endpoints that never answer', () => {
    let silent: Server;
    let hole: Awaited<ReturnType<typeof blackHole>>;
    beforeAll(async () => {
      // Accepts the connection and reads the request, never answers.
      silent = createServer((socket) => socket.on('error', () => {}).resume());
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      hole = await blackHole();
    });
    afterAll(async () => {
      for (const f of hole.fillers) f.destroy();
      hole.child.kill('SIGKILL');
      silent.close();
    });

    const call = async (port: number, options: { connectTimeoutMs?: number; requestTimeoutMs?: number }) => {
      const client = new EC2Client(
        awsClientConfig({
          region: 'eu-west-1',
          endpoint: `http://127.0.0.1:${port}`,
          credentials: CREDENTIALS,
          maxAttempts: 1,
          ...options,
        }),
      );
      const started = Date.now();
      try {
        await client.send(new DescribeAddressesCommand({}));
        return { error: undefined, ms: Date.now() - started };
      } catch (error) {
        return { error: error as Error, ms: Date.now() - started };
      } finally {
        client.destroy();
      }
    };

    test('a request with no answer fails after the request timeout', async () => {
      const { error, ms } = await call((silent.address() as { port: number }).port, {
        requestTimeoutMs: 500,
      });
      expect(error?.name).toBe('TimeoutError');
      expect(ms).toBeGreaterThanOrEqual(450);
      expect(ms).toBeLessThan(8_000);
    }, 20_000);

    test('a connect that never completes fails after the connect timeout', async () => {
      const { error, ms } = await call(hole.port, { connectTimeoutMs: 500, requestTimeoutMs: 60_000 });
      expect(error?.name).toBe('TimeoutError');
      expect(error?.message).toMatch(/connection/i);
      expect(ms).toBeLessThan(8_000);
    }, 20_000);
  });
});
