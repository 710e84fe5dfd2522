import { existsSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import { parseBenchArgs } from '../../bench/args';
import { committedOrTemp, HelpRequested, parseRunArgs } from '../../harness/run-args';

const out = (partial: boolean) => (partial ? '/tmp/partial' : 'bench/results');

describe('parseBenchArgs', () => {
  it('defaults to every section, full size, the results folder', () => {
    expect(parseBenchArgs([], out)).toEqual({
      only: undefined,
      quick: false,
      out: 'bench/results',
    });
  });

  it('takes sections by name or number, comma separated or repeated', () => {
    expect(parseBenchArgs(['--only', 'evenness,5', '--only', '1', '--quick', '--out', 'r'], out)).toEqual({
      only: ['evenness', 'port-wall', 'node-overhead'],
      quick: true,
      out: 'r',
    });
  });

  it('keeps a quick run away from the committed results; a full run of some sections merges there', () => {
    expect(parseBenchArgs(['--quick'], out).out).toBe('/tmp/partial');
    expect(parseBenchArgs(['--only', 'evenness', '--quick'], out).out).toBe('/tmp/partial');
    expect(parseBenchArgs(['--only', 'evenness'], out).out).toBe('bench/results');
  });
});

describe('committedOrTemp', () => {
  it('gives the committed folder to a full run and a new temp folder to each partial run', () => {
    const outFor = committedOrTemp('/repo/bench/results', 'wslb-args-test-');
    expect(outFor(false)).toBe('/repo/bench/results');
    const [a, b] = [outFor(true), outFor(true)];
    try {
      expect(a).not.toBe(b);
      for (const dir of [a, b]) {
        expect(dirname(dir)).toBe(tmpdir());
        expect(basename(dir)).toMatch(/^wslb-args-test-/);
        expect(statSync(dir).isDirectory()).toBe(true);
      }
    } finally {
      for (const dir of [a, b]) rmSync(dir, { recursive: true, force: true });
    }
    expect(existsSync(a)).toBe(false);
  });
});

describe('parseRunArgs', () => {
  const spec = { command: 'npm run x', noun: 'part', ids: ['one', 'two'] as const };

  it('names a bad value or flag and prints the usage with the numbered ids', () => {
    expect(() => parseRunArgs(['--only', '3'], spec)).toThrow(
      /^unknown part 3\nusage: npm run x.*\nparts \(name or number\): 1 one, 2 two\n/s,
    );
    expect(() => parseRunArgs(['--fast'], spec)).toThrow(/--fast.*\nusage: npm run x/s);
  });

  it('answers --help and -h with HelpRequested carrying the usage and what each flag does', () => {
    for (const flag of ['--help', '-h']) {
      expect(() => parseRunArgs([flag], spec)).toThrow(HelpRequested);
      expect(() => parseRunArgs([flag], spec)).toThrow(/^usage: npm run x.*--quick .*--out /s);
    }
    expect(() => parseRunArgs(['--only', '3'], spec)).not.toThrow(HelpRequested);
  });
});
