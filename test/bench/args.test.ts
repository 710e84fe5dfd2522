import { parseBenchArgs } from '../../bench/args';
import { parseRunArgs } from '../../bench/harness/run-args';

describe('parseBenchArgs', () => {
  it('defaults to every section, full size, the results folder', () => {
    expect(parseBenchArgs([], 'bench/results')).toEqual({
      only: undefined,
      quick: false,
      out: 'bench/results',
    });
  });

  it('takes sections by name or number, comma separated or repeated', () => {
    expect(parseBenchArgs(['--only', 'evenness,5', '--only', '1', '--quick'], 'r')).toEqual({
      only: ['evenness', 'port-wall', 'node-overhead'],
      quick: true,
      out: 'r',
    });
  });
});

describe('parseRunArgs', () => {
  const spec = { command: 'npm run x', noun: 'part', ids: ['one', 'two'] as const };

  it('names a bad value or flag and prints the usage with the numbered ids', () => {
    expect(() => parseRunArgs(['--only', '3'], spec)).toThrow(
      /^unknown part 3\nusage: npm run x.*\nparts \(name or number\): 1 one, 2 two$/s,
    );
    expect(() => parseRunArgs(['--fast'], spec)).toThrow(/--fast.*\nusage: npm run x/s);
    expect(() => parseRunArgs(['--help'], spec)).toThrow(/^usage: npm run x/);
  });
});
