import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';

export interface Machine {
  nproc: number;
  memoryGiB: number;
  node: string;
  cpu: string;
  kernel: string;
  haproxy?: string;
  /** 1-minute load average when the bench started: other work on a shared machine shows here. */
  loadAverage: number;
}

export function describeCommit(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: __dirname, encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--untracked-files=no').length > 0;
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? '-dirty' : ''}`;
  } catch {
    return 'unknown';
  }
}

export function describeMachine(): Machine {
  let haproxy: string | undefined;
  try {
    const out = execFileSync('haproxy', ['-v'], {
      encoding: 'utf8',
      env: { PATH: `${process.env.PATH}:/usr/sbin` },
    });
    haproxy = /version (\S+)/.exec(out)?.[1];
  } catch {
    haproxy = undefined;
  }
  return {
    nproc: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()),
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    kernel: release(),
    haproxy,
    loadAverage: Math.round(loadavg()[0] * 10) / 10,
  };
}
