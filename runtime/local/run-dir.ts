import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A private temp folder for one local run: secrets (mode 0600), bundles, logs. Removed on stop. */
export class RunDir {
  readonly path = mkdtempSync(join(tmpdir(), 'wslb-'));

  file(name: string): string {
    return join(this.path, name);
  }

  writeSecret(name: string, content: string): string {
    const path = this.file(name);
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}
