import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { Worker } from '../../harness/worker/worker';

const programs = { worker: () => join(__dirname, 'fixtures', 'waiting-worker.ts') };
const ROOT = join(__dirname, '..', '..');

describe('a worker that dies', () => {
  test('calls and stop() on it while its channel still looks open report why, instead of crashing (EPIPE)', async () => {
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', join(__dirname, 'fixtures', 'kill-worker-run.ts')],
        { cwd: ROOT, timeout: 60_000 },
        (_err, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
      );
    });
    expect({ code, stderr: stderr.match(/Error.*/g) ?? [] }).toEqual({ code: 0, stderr: [] });
    const result = JSON.parse(stdout);
    expect(result).toEqual({
      connectedWhenCalled: true,
      pending: { error: expect.stringMatching(/exited \(SIGKILL\) before answering|not sent/) },
      late: { error: expect.stringMatching(/not sent \(.*EPIPE.*\)|exited \(SIGKILL\) before answering/) },
      stopped: { value: 'stopped' },
      after: { error: expect.stringMatching(/is gone \(exited SIGKILL\)/) },
      exit: { code: null, signal: 'SIGKILL' },
      reachable: false,
    });
  }, 90_000);

  test('a worker that exits by itself is reported through the call in flight', async () => {
    const worker = new Worker(programs, 'waiting');
    try {
      const pending = worker.call('wait');
      await worker.call('status');
      process.kill(worker.pid!, 'SIGTERM');
      await expect(pending).rejects.toThrow(/exited \(0\) before answering/);
      expect(worker.exit?.code).toBe(0);
      await expect(worker.stop(1_000)).resolves.toBeUndefined();
    } finally {
      await worker.stop(1_000);
    }
  }, 30_000);
});
