import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { STRATEGIES } from '../../runtime/contract/strategies';
import { cdkSynth, type SynthRun, sharedStrategySynth } from '../helpers/cdk-synth';

/** Runs `jobs` two at a time: each spends most of its time starting node, the CLI and tsx on 2 cores. */
async function twoAtATime<T>(jobs: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}

describe('cdk CLI, offline', () => {
  const runs: Record<string, SynthRun> = {};
  beforeAll(async () => {
    // CloudFormation validation is left out (in the shared strategy synths too): its engine costs ~10 s of CPU
    // to start; app.test.ts runs it.
    const jobs: Record<string, () => Promise<SynthRun>> = {
      ...Object.fromEntries(STRATEGIES.map((s) => [s, () => sharedStrategySynth(s)])),
      bogus: () => cdkSynth(['-c', 'strategy=bogus']),
      typo: () => cdkSynth(['-c', 'strategy=nlb', '-c', 'maxConnectionPerNode=5']),
      none: () => cdkSynth([]),
    };
    const results = await twoAtATime(Object.values(jobs));
    Object.keys(jobs).forEach((key, i) => {
      runs[key] = results[i]!;
    });
  }, 900_000);
  afterAll(() => {
    for (const run of Object.values(runs)) run.remove();
  });

  test.each(STRATEGIES)(
    'synth -c strategy=%s writes the one template, bundles included, no cdk-nag finding',
    (strategy) => {
      const run = runs[strategy]!;
      expect(run.stderr).not.toMatch(/AwsSolutions-/);
      expect(run.status).toBe(0);
      const templates = readdirSync(run.outdir).filter((f) => f.endsWith('.template.json'));
      expect(templates).toEqual(['wslb.template.json']);
      const assets = JSON.parse(readFileSync(path.join(run.outdir, 'wslb.assets.json'), 'utf8'));
      const bundles = Object.values(assets.files as Record<string, { source: { path: string } }>)
        .filter((f) => f.source.path.startsWith('asset.'))
        .map((f) => readdirSync(path.join(run.outdir, f.source.path)).sort());
      expect(bundles).toContainEqual(['main.js', 'main.js.map']);
      // The auth bundle ships without a source map (decision 0116: it cost 54 MiB and a second of every cold start).
      expect(bundles).toContainEqual(['index.js']);
    },
  );

  test('synth -c strategy=bogus fails naming the key, the value and what is accepted', () => {
    expect(runs.bogus!.status).not.toBe(0);
    expect(runs.bogus!.stderr).toContain('strategy: got "bogus"; accepted: one of nlb | haproxy | direct');
  });

  test('synth with a mistyped key fails naming it and the key it resembles, instead of deploying the default', () => {
    expect(runs.typo!.status).not.toBe(0);
    expect(runs.typo!.stderr).toContain(
      'maxConnectionPerNode: not a context key of wslb; did you mean maxConnectionsPerNode?',
    );
  });

  test('synth without a strategy fails naming the key: a deploy must never drop the running tier', () => {
    expect(runs.none!.status).not.toBe(0);
    expect(runs.none!.stderr).toContain('strategy: got nothing; accepted: one of nlb | haproxy | direct');
  });
});
