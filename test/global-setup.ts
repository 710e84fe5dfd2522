import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RUN_DIR_VARIABLE } from './run-dir';

/** One scratch directory per jest run, for outputs test files share (test/helpers/cdk-synth.ts); workers inherit it. */
export default async function globalSetup(): Promise<void> {
  process.env[RUN_DIR_VARIABLE] = mkdtempSync(path.join(tmpdir(), 'wslb-jest-run-'));
}
