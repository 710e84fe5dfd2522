import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';

const ROOT = join(__dirname, '../..');

/** The client's entries: `browser` has no Node import; `node` runs on `ws`. */
const ENTRIES = { browser: 'runtime/client/browser.ts', node: 'runtime/client/node.ts' } as const;

/** Where the package's `exports` point, relative to the package root. */
export const CLIENT_DIST = 'dist/client';

/**
 * Builds what `wslb/client` exports into `<root>/dist/client`: one ES module per entry (esbuild; `ws` stays
 * an import of the Node entry) and declarations (the repo's tsc, with `erasableSyntaxOnly` so the sources stay
 * plain TypeScript any consumer's compiler accepts). A `package.json` there marks both as ES modules.
 * Throws with the compiler's output when the declarations do not build.
 */
export async function buildClientPackage(root = ROOT): Promise<string> {
  const out = join(root, CLIENT_DIST);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`);
  await Promise.all(
    (Object.entries(ENTRIES) as [keyof typeof ENTRIES, string][]).map(([name, entry]) =>
      build({
        entryPoints: [join(ROOT, entry)],
        outfile: join(out, `${name}.js`),
        bundle: true,
        format: 'esm',
        platform: name === 'node' ? 'node' : 'browser',
        target: name === 'node' ? 'node20' : 'es2022',
        external: ['ws'],
        sourcemap: true,
        logLevel: 'error',
      }),
    ),
  );
  const tsc = join(ROOT, 'node_modules/.bin/tsc');
  const args = [
    ...Object.values(ENTRIES).map((e) => join(ROOT, e)),
    ...[
      '--ignoreConfig',
      '--declaration',
      '--emitDeclarationOnly',
      '--erasableSyntaxOnly',
      '--strict',
      '--skipLibCheck',
    ],
    ...['--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext'],
    ...['--lib', 'ES2022,DOM', '--types', 'node', '--typeRoots', join(ROOT, 'node_modules/@types')],
    ...['--rootDir', join(ROOT, 'runtime'), '--outDir', join(out, 'types')],
  ];
  try {
    execFileSync(tsc, args, { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`client declarations did not build:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
  return out;
}

/**
 * The package as a consumer installs it, in `dir`: package.json (name, version, exports, dependencies) and
 * the built client; its dependencies resolve from this checkout's node_modules. For tests and try-outs.
 */
export async function packClientInto(dir: string): Promise<string> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  const { name, version, type, exports, types, dependencies, engines } = pkg;
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name, version, type, exports, types, dependencies, engines }, null, 2),
  );
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  await buildClientPackage(dir);
  return dir;
}

if (require.main === module) {
  buildClientPackage().then(
    (out) => console.error(`built ${relative(process.cwd(), out) || '.'}`),
    (err: Error) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
