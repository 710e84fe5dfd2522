import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { heapAfterGc } from '../../chaos/harness/heap-probe';

jest.setTimeout(30_000);

/** A process that retains ~20 MiB of objects when a line arrives on stdin, and frees garbage otherwise. */
const RETAINER = `
let garbage = [];
setInterval(() => { garbage = Array.from({ length: 50000 }, (_, i) => ({ i })); }, 50);
process.stdin.on('data', () => {
  globalThis.kept = Array.from({ length: 200000 }, (_, i) => ({ i, s: 'x'.repeat(40) + i }));
});`;

describe('heapAfterGc', () => {
  it('reads heap in use after a forced GC through the inspector, and sees retained objects grow it', async () => {
    const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', '-e', RETAINER], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    try {
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => {
        stderr += String(c);
      });
      while (!/ws:\/\/127\.0\.0\.1:\d+\/\S+/.test(stderr)) await once(child.stderr, 'data');
      const url = /ws:\/\/127\.0\.0\.1:\d+\/\S+/.exec(stderr)![0];

      const before = await heapAfterGc(url);
      expect(before.heapUsedMiB).toBeGreaterThan(1);
      expect(before.rssMiB).toBeGreaterThan(before.heapUsedMiB);

      child.stdin.write('keep\n');
      await new Promise((r) => setTimeout(r, 500));
      const after = await heapAfterGc(url);
      expect(after.heapUsedMiB - before.heapUsedMiB).toBeGreaterThan(10);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('rejects when nothing listens at the URL', async () => {
    await expect(heapAfterGc('ws://127.0.0.1:1/none', 2_000)).rejects.toThrow();
  });
});
