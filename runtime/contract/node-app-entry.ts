import { existsSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';

/**
 * Where an operator's app enters the node bundle, for the CDK app (`-c nodeApp=…`) and the local cluster
 * (`--app …`) alike: the path is resolved to one module file, and the bundle's entry is generated to import it
 * and hand it to the node service (runtime/node/run-node.ts), so the app is bundled by esbuild with the node.
 */

/** Module files esbuild bundles as an app. */
export const NODE_APP_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'] as const;
/** Files looked for, in order, when the path is a folder. */
export const NODE_APP_FOLDER_FILES = ['app.ts', 'index.ts', 'app.js', 'index.js'] as const;

/** The path given does not lead to an app module; `message` says what was found and what is accepted. */
export class NodeAppPathError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(
      `${JSON.stringify(path)}: ${problem}; accepted: a module file (${NODE_APP_EXTENSIONS.join(' ')}) whose ` +
        `default export is defineNodeApp(…), or a folder holding ${NODE_APP_FOLDER_FILES.join(' or ')}`,
    );
    this.name = 'NodeAppPathError';
  }
}

/**
 * The absolute module file of the app at `path` (relative to `cwd`). A folder stands for its `app.ts` (or
 * `index.ts`, `app.js`, `index.js`). Throws a {@link NodeAppPathError} when there is none.
 */
export function resolveNodeApp(path: string, cwd = process.cwd()): string {
  const full = resolve(cwd, path);
  if (!existsSync(full)) throw new NodeAppPathError(path, 'does not exist');
  if (statSync(full).isDirectory()) {
    const file = NODE_APP_FOLDER_FILES.map((name) => join(full, name)).find((f) => existsSync(f));
    if (!file) throw new NodeAppPathError(path, 'is a folder without an app module');
    return file;
  }
  if (!(NODE_APP_EXTENSIONS as readonly string[]).includes(extname(full))) {
    throw new NodeAppPathError(path, 'is not a JavaScript or TypeScript module');
  }
  return full;
}

/** The source of a bundle entry that runs the node service with the app in `appFile` (both absolute paths). */
export function nodeAppEntrySource(runNodeModule: string, appFile: string): string {
  return [
    `import { runNode } from ${JSON.stringify(runNodeModule)};`,
    `import app from ${JSON.stringify(appFile)};`,
    'runNode(app);',
    '',
  ].join('\n');
}
