import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODE_START_TIMEOUT_MS, NodeProcess, nodeStartTimeoutMs } from '../../../runtime/local/node-process';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wslb-node-process-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in node bundle: plain JavaScript that never reports `listening`. */
function bundle(name: string, source: string): string {
  const file = join(dir, `${name}.js`);
  writeFileSync(file, source);
  return file;
}

const startRefusal = async (name: string, source: string, startTimeoutMs?: number): Promise<string> => {
  const logFile = join(dir, `${name}.log`);
  try {
    await NodeProcess.start({ bundle: bundle(name, source), nodeId: name, env: {}, logFile, startTimeoutMs });
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('started');
};

describe('a node that does not start', () => {
  test('not ready in time: named, with its budget, its last stderr lines and its log; killed', async () => {
    const message = await startRefusal(
      'node-slow',
      `for (let i = 1; i <= 30; i++) console.error('waiting for the registry, try ' + i);
       setInterval(() => {}, 1000);`,
      // Generous for a busy machine: the script must start and write before this.
      5_000,
    );
    expect(message).toMatch(
      /^node-slow did not become ready \(listening and registered\) within 5000 ms; its last stderr lines:\n/,
    );
    // The last 20 lines, not the first.
    expect(message).toContain('  waiting for the registry, try 30');
    expect(message).toContain('  waiting for the registry, try 11');
    expect(message).not.toContain('try 10\n');
    expect(message).toContain(`(whole log: ${join(dir, 'node-slow.log')})`);
  });

  test('exits before listening: named, with its exit code and its stderr', async () => {
    const message = await startRefusal(
      'node-crash',
      `console.error('settings: MAX_CONNECTIONS: a whole number'); process.exit(2);`,
    );
    expect(message).toMatch(/^node-crash exited with 2 before listening; its last stderr lines:\n/);
    expect(message).toContain('  settings: MAX_CONNECTIONS: a whole number');
  });

  test('nothing on stderr is said as such', async () => {
    expect(await startRefusal('node-quiet', 'process.exit(3);')).toMatch(
      /^node-quiet exited with 3 before listening; nothing on its stderr\n\(whole log: /,
    );
  });
});

test('nodes started side by side get a wider budget each: 30 s alone, 2 s more for every other one', () => {
  expect(nodeStartTimeoutMs(1)).toBe(NODE_START_TIMEOUT_MS);
  expect(nodeStartTimeoutMs(3)).toBe(34_000);
  expect(nodeStartTimeoutMs(32)).toBe(92_000);
});
