import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export const HAPROXY_INSTALL_HINT =
  'install it with `sudo apt-get install -y haproxy` (Debian/Ubuntu) or `sudo dnf install -y haproxy` (Amazon Linux 2023)';

/** Thrown when the haproxy binary is not on PATH; the message says how to install it. */
export class HaproxyMissingError extends Error {
  constructor() {
    super(`haproxy not found on PATH or in /usr/sbin: ${HAPROXY_INSTALL_HINT}`);
    this.name = 'HaproxyMissingError';
  }
}

/** Absolute path of an executable found on PATH (plus the sbin directories), or undefined. */
export function findExecutable(name: string, path = process.env.PATH ?? ''): string | undefined {
  const dirs = [...path.split(delimiter), '/usr/sbin', '/sbin', '/usr/local/sbin'].filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function requireHaproxy(): string {
  const bin = findExecutable('haproxy');
  if (!bin) throw new HaproxyMissingError();
  return bin;
}

export interface ConfigCheck {
  ok: boolean;
  /** haproxy's stdout and stderr: alerts and warnings. */
  output: string;
}

/** `haproxy -c -f <file>`: the config as HAProxy itself reads it. */
export function checkHaproxyConfig(file: string, bin = requireHaproxy()): Promise<ConfigCheck> {
  return new Promise((resolve) => {
    execFile(bin, ['-c', '-f', file], { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ ok: error === null, output: `${stdout}${stderr}`.trim() });
    });
  });
}
