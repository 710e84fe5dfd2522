import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  NodeAppPathError,
  nodeAppEntrySource,
  resolveNodeApp,
} from '../../../runtime/contract/node-app-entry';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wslb-app-'));
  writeFileSync(join(dir, 'ws-app.ts'), 'export default () => ({});\n');
  writeFileSync(join(dir, 'notes.txt'), 'not code\n');
  mkdirSync(join(dir, 'chat'));
  writeFileSync(join(dir, 'chat', 'app.ts'), 'export default () => ({});\n');
  writeFileSync(join(dir, 'chat', 'index.ts'), 'export default () => ({});\n');
  mkdirSync(join(dir, 'empty'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('resolveNodeApp', () => {
  it('resolves a module file relative to the working folder', () => {
    expect(resolveNodeApp('./ws-app.ts', dir)).toBe(join(dir, 'ws-app.ts'));
  });

  it('takes a folder as its app.ts before index.ts', () => {
    expect(resolveNodeApp('chat', dir)).toBe(join(dir, 'chat', 'app.ts'));
  });

  it.each([
    ['./missing.ts', 'does not exist'],
    ['notes.txt', 'is not a JavaScript or TypeScript module'],
    ['empty', 'is a folder without an app module'],
  ])('refuses %s: %s, saying what it accepts', (path, problem) => {
    const attempt = () => resolveNodeApp(path, dir);
    expect(attempt).toThrow(NodeAppPathError);
    expect(attempt).toThrow(
      `${JSON.stringify(path)}: ${problem}; accepted: a module file (.ts .mts .cts .js .mjs .cjs)`,
    );
  });
});

describe('nodeAppEntrySource', () => {
  it('imports the app and runs the node with it, paths quoted', () => {
    expect(nodeAppEntrySource('/r/run-node.ts', '/a "b"/app.ts')).toBe(
      'import { runNode } from "/r/run-node.ts";\nimport app from "/a \\"b\\"/app.ts";\nrunNode(app);\n',
    );
  });
});
