import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodeMetrics } from '../../runtime/node/metrics';

const ROOT = join(__dirname, '../..');
const tracked = (pattern: string) =>
  execFileSync('git', ['ls-files', pattern], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);

/** `wslb_…` names in the docs that are not metrics, and what they are. */
const NOT_METRICS: Record<string, string> = {
  wslb_nlb: 'the nftables table of the NLB stand-in',
  wslb_track: 'the nftables table that makes conntrack follow every flow of a namespace',
};

/** Every metric name a prom-client constructor in runtime/ registers (`name: 'wslb_…'`). */
function registeredInSource(): Set<string> {
  const names = new Set<string>();
  for (const file of tracked('runtime/*.ts')) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    if (!text.includes("from 'prom-client'")) continue;
    for (const [, name] of text.matchAll(/name: '(wslb_[a-z_]+)'/g)) names.add(name!);
  }
  return names;
}

test('the source scan finds every metric the node registers (so the check below can fail)', async () => {
  const node = (await new NodeMetrics(false).registry.getMetricsAsJSON()).map((m) => m.name);
  expect(node.length).toBeGreaterThan(5);
  expect(node.filter((name) => !registeredInSource().has(name))).toEqual([]);
});

test('every wslb_ metric name in the Markdown files is one the code registers', () => {
  const registered = registeredInSource();
  const unknown: string[] = [];
  for (const file of tracked('*.md')) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const [name] of text.matchAll(/\bwslb_[a-z_]+/g)) {
      if (!registered.has(name) && !(name in NOT_METRICS)) unknown.push(`${file}: ${name}`);
    }
  }
  expect(unknown).toEqual([]);
});
