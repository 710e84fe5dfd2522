import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '../..');

/** Every Markdown file git tracks; docs are split over many files, so a moved one must not leave links behind. */
const markdown = execFileSync('git', ['ls-files', '*.md'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter(Boolean);

test('every relative link in the Markdown files points at a file or folder that exists', () => {
  const broken: string[] = [];
  for (const file of markdown) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!) || target!.startsWith('#')) continue;
      const path = target!.split('#')[0]!;
      if (!existsSync(join(ROOT, dirname(file), path))) broken.push(`${file}: ${target}`);
    }
  }
  expect(broken).toEqual([]);
});
