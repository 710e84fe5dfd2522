import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { z } from 'zod';
import { CONTEXT_KEYS, DEFAULTS } from '../../lib/config';
import { authSettingsSchema } from '../../runtime/auth/settings';
import { agentSettingsSchema } from '../../runtime/haproxy/agent/settings';
import { failoverSettingsSchema } from '../../runtime/haproxy/failover/settings';
import { lifecycleSettingsSchema } from '../../runtime/haproxy/lifecycle/settings';
import { nodeSettingsSchema } from '../../runtime/node/settings';

const ROOT = join(__dirname, '../..');

/** One settings table: the `## heading` of a docs/settings file it sits under, and what it documents. */
interface Documented {
  doc: string;
  heading: string;
  names: string[];
  defaults: Record<string, unknown>;
}

/** Names and defaults of an env schema: a key whose value parses from nothing has that default. */
function envSchema(schema: z.ZodObject): Pick<Documented, 'names' | 'defaults'> {
  const defaults: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(schema.shape)) {
    const empty = (field as z.ZodType).safeParse(undefined);
    if (empty.success && empty.data !== undefined) defaults[name] = empty.data;
  }
  return { names: Object.keys(schema.shape), defaults };
}

const TABLES: (Documented & { schema: string })[] = [
  {
    doc: 'docs/settings/node.md',
    heading: 'Variables',
    schema: 'nodeSettingsSchema',
    ...envSchema(nodeSettingsSchema),
  },
  {
    doc: 'docs/settings/auth.md',
    heading: 'Variables',
    schema: 'authSettingsSchema',
    ...envSchema(authSettingsSchema),
  },
  {
    doc: 'docs/settings/haproxy.md',
    heading: 'The agent',
    schema: 'agentSettingsSchema',
    ...envSchema(agentSettingsSchema),
  },
  {
    doc: 'docs/settings/haproxy.md',
    heading: 'The failover program',
    schema: 'failoverSettingsSchema',
    ...envSchema(failoverSettingsSchema),
  },
  {
    doc: 'docs/settings/haproxy.md',
    heading: 'The lifecycle program',
    schema: 'lifecycleSettingsSchema',
    ...envSchema(lifecycleSettingsSchema),
  },
  {
    doc: 'docs/settings/cdk-context.md',
    heading: 'Keys',
    schema: 'CONTEXT_KEYS',
    names: [...CONTEXT_KEYS],
    defaults: {
      ...DEFAULTS,
      nodes: `${DEFAULTS.nodes.min}/${DEFAULTS.nodes.desired}/${DEFAULTS.nodes.max}`,
      allowedOrigins: DEFAULTS.allowedOrigins.join(','),
    },
  },
];

/** The rows of the first table under `## heading`: the names in the first cell, the text of the second. */
function tableRows(doc: string, heading: string): { names: string[]; defaultCell: string }[] {
  const text = readFileSync(join(ROOT, doc), 'utf8');
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`${doc}: no "## ${heading}" section`);
  const section = text.slice(start + 1).split(/\n## /)[0]!;
  const lines = section.split('\n').filter((l) => l.startsWith('|'));
  return lines.slice(2).map((line) => {
    const cells = line.split(/(?<!\\)\|/).slice(1, -1);
    const names = [...(cells[0] ?? '').matchAll(/`([A-Za-z][A-Za-z0-9_]*)`/g)].map((m) => m[1]!);
    return { names, defaultCell: cells[1] ?? '' };
  });
}

/** A default cell as plain text: no backticks, no thousands separators. */
const plain = (cell: string) =>
  cell
    .replace(/`/g, '')
    .replace(/(\d),(?=\d{3}\b)/g, '$1')
    .trim();

describe.each(TABLES)('$doc › $heading documents $schema', ({ doc, heading, names, defaults }) => {
  const rows = tableRows(doc, heading);
  const documented = rows.flatMap((r) => r.names);

  test('every key of the schema has a row, and every row names a key of the schema', () => {
    expect({ missingFromDoc: names.filter((n) => !documented.includes(n)) }).toEqual({ missingFromDoc: [] });
    expect({ notInSchema: documented.filter((n) => !names.includes(n)) }).toEqual({ notInSchema: [] });
    expect({ twice: documented.filter((n, i) => documented.indexOf(n) !== i) }).toEqual({ twice: [] });
  });

  test('each default in the doc is the schema’s default', () => {
    const wrong: string[] = [];
    for (const row of rows) {
      const cells =
        row.names.length === 1 ? [plain(row.defaultCell)] : plain(row.defaultCell).split(/\s*,\s*/);
      row.names.forEach((name, i) => {
        if (!(name in defaults)) return;
        const cell = cells.length === row.names.length ? cells[i]! : '';
        if (!` ${cell} `.includes(` ${String(defaults[name])} `))
          wrong.push(
            `${name}: doc says "${row.defaultCell.trim()}", schema ${JSON.stringify(defaults[name])}`,
          );
      });
    }
    expect(wrong).toEqual([]);
  });
});

test('every settings schema of the runtime has a documented table', () => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name === 'settings.ts') files.push(join(dir, e.name));
    }
  };
  walk(join(ROOT, 'runtime'));
  const exported = files.flatMap((f) =>
    [...readFileSync(f, 'utf8').matchAll(/export const (\w+SettingsSchema)\b/g)].map(
      (m) => `${relative(ROOT, f)}: ${m[1]}`,
    ),
  );
  const covered = TABLES.map((t) => t.schema);
  expect(exported.filter((e) => !covered.includes(e.split(': ')[1]!))).toEqual([]);
});
