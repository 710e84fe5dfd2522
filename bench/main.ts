import '../runtime/local/quiet-sdk-warning';
import { join } from 'node:path';
import { describeCommit, describeMachine } from '../harness/machine';
import { say } from '../harness/progress';
import { committedOrTemp } from '../harness/run-args';
import { runSuite } from '../harness/run-suite';
import { parseBenchArgs } from './args';
import { buildWorkers } from './harness/worker-build';
import { mergeIntoPrevious } from './report/merge';
import { type Report, writeReport } from './report/write';
import { SECTIONS } from './sections';
import type { SectionResult } from './types';

/**
 * `npm run bench`: every section in turn, then the JSON, the Markdown table and the charts. A full run writes
 * bench/results; `--quick` writes to a temp folder unless `--out` is given.
 */
async function main(args: ReturnType<typeof parseBenchArgs>): Promise<number> {
  const started = Date.now();
  const machine = describeMachine();
  const commit = describeCommit();
  say(JSON.stringify({ event: 'bench start', quick: args.quick, only: args.only ?? 'all', machine }));
  const build = buildWorkers();
  const results: SectionResult[] = [];
  const charts: Record<string, string> = {};
  for (const section of SECTIONS.filter((s) => !args.only || args.only.includes(s.id))) {
    say(`\n== ${section.title}`);
    const t0 = Date.now();
    try {
      const { charts: sectionCharts = {}, ...out } = await section.run({ quick: args.quick, build });
      Object.assign(charts, sectionCharts);
      results.push({
        id: section.id,
        title: section.title,
        status: 'ok',
        durationMs: Date.now() - t0,
        ...out,
        charts: Object.keys(sectionCharts),
      });
    } catch (err) {
      const error = (err as Error).stack ?? String(err);
      say(JSON.stringify({ event: 'section failed', section: section.id, error }));
      results.push({
        id: section.id,
        title: section.title,
        status: 'failed',
        durationMs: Date.now() - t0,
        error,
        data: {},
        targets: [],
        table: [],
        charts: [],
      });
    }
  }
  const measured: Report = {
    schema: 1,
    date: new Date(started).toISOString(),
    commit,
    quick: args.quick,
    machine,
    durationMs: Date.now() - started,
    sections: results,
  };
  const report = args.only ? mergeIntoPrevious(args.out, measured) : measured;
  const files = writeReport(args.out, report, charts);
  say(`\n${JSON.stringify({ event: 'bench done', seconds: Math.round(measured.durationMs / 1000), files })}`);
  return results.every((r) => r.status === 'ok') ? 0 : 1;
}

runSuite(
  'bench',
  () => parseBenchArgs(process.argv.slice(2), committedOrTemp(join(__dirname, 'results'), 'wslb-bench-')),
  main,
);
