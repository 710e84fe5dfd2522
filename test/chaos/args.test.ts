import { parseChaosArgs } from '../../chaos/args';

const out = (partial: boolean) => (partial ? '/tmp/partial' : 'chaos/results');

describe('parseChaosArgs', () => {
  it('writes a full run to the results folder', () => {
    expect(parseChaosArgs([], out)).toEqual({ only: undefined, quick: false, out: 'chaos/results' });
  });

  it('keeps a quick run or a run of some scenarios away from the committed results', () => {
    expect(parseChaosArgs(['--quick'], out).out).toBe('/tmp/partial');
    expect(parseChaosArgs(['--only', '7'], out)).toEqual({
      only: ['bad-input'],
      quick: false,
      out: '/tmp/partial',
    });
    expect(parseChaosArgs(['--only', 'node-killed,2', '--out', 'x'], out)).toEqual({
      only: ['node-killed', 'node-drained'],
      quick: false,
      out: 'x',
    });
  });

  it('refuses --out given twice, naming it', () => {
    expect(() => parseChaosArgs(['--out', 'a', '--out', 'b'], out)).toThrow(
      /^--out: given 2 times \("a", "b"\); give it once\nusage: npm run chaos/,
    );
  });

  it('names an unknown scenario and lists the known ones', () => {
    expect(() => parseChaosArgs(['--only', 'bogus'], out)).toThrow(
      /unknown scenario bogus\n.*1 node-killed/s,
    );
  });
});
