import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { heapAfterGc } from '../../chaos/harness/heap-probe';

// Two forced GCs of a process churning garbage took over 10 s at load ~28 (the inspector was cut mid-call):
// the probe gets the 60 s the chaos scenarios give it, and the test room for two of them.
const PROBE_MS = 60_000;
jest.setTimeout(2 * PROBE_MS + 30_000);

/**
 * A process that retains ~20 MiB of objects when a line arrives on stdin, says so on stdout, and frees
 * garbage otherwise.
 */
const RETAINER = `
let garbage = [];
setInterval(() => { garbage = Array.from({ length: 50000 }, (_, i) => ({ i })); }, 50);
process.stdin.on('data', () => {
  globalThis.kept = Array.from({ length: 200000 }, (_, i) => ({ i, s: 'x'.repeat(40) + i }));
  process.stdout.write('kept\\n');
});`;

describe('heapAfterGc', () => {
  it('reads heap in use after a forced GC through the inspector, and sees retained objects grow it', async () => {
    const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', '-e', RETAINER], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    try {
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => {
        stderr += String(c);
      });
      while (!/ws:\/\/127\.0\.0\.1:\d+\/\S+/.test(stderr)) await once(child.stderr, 'data');
      const url = /ws:\/\/127\.0\.0\.1:\d+\/\S+/.exec(stderr)![0];

      const before = await heapAfterGc(url, PROBE_MS);
      expect(before.heapUsedMiB).toBeGreaterThan(1);
      expect(before.rssMiB).toBeGreaterThan(before.heapUsedMiB);

      // Measured once the child has kept them (it says so), not after a fixed 500 ms a starved child may miss.
      const kept = once(child.stdout, 'data');
      child.stdin.write('keep\n');
      await kept;
      const after = await heapAfterGc(url, PROBE_MS);
      expect(after.heapUsedMiB - before.heapUsedMiB).toBeGreaterThan(10);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('rejects when nothing listens at the URL', async () => {
    await expect(heapAfterGc('ws://127.0.0.1:1/none', 2_000)).rejects.toThrow();
  });
});
