import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeKeepalived } from '../../../../runtime/haproxy/failover/keepalived-probe';
import { writeVrrpState } from '../../../../runtime/haproxy/failover/state-file';

describe('probeKeepalived', () => {
  let dir: string;
  let options: { vrrpPidFile: string; stateFile: string; procRoot: string };
  /** A fake /proc/<pid>/stat as proc(5) lays it out. */
  const proc = (pid: number, comm: string, state = 'S') => {
    mkdirSync(join(options.procRoot, String(pid)), { recursive: true });
    writeFileSync(
      join(options.procRoot, String(pid), 'stat'),
      `${pid} (${comm}) ${state} 1 ${pid} ${pid} 0 -1\n`,
    );
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wslb-probe-'));
    options = {
      vrrpPidFile: join(dir, 'keepalived_vrrp.pid'),
      stateFile: join(dir, 'vrrp-state.json'),
      procRoot: join(dir, 'proc'),
    };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is MASTER only while the keepalived that notified MASTER still runs', async () => {
    writeFileSync(options.vrrpPidFile, '4242\n');
    proc(4242, 'keepalived');
    const at = new Date('2026-01-01T00:00:00Z');
    await writeVrrpState(options.stateFile, 'MASTER', { keepalivedPid: 4242, now: at });
    expect(await probeKeepalived(options)).toEqual({ master: true, spell: `4242@${at.toISOString()}` });

    const later = new Date('2026-01-01T00:05:00Z');
    await writeVrrpState(options.stateFile, 'MASTER', { keepalivedPid: 4242, now: later });
    expect(await probeKeepalived(options)).toEqual({ master: true, spell: `4242@${later.toISOString()}` });
  });

  it.each([
    ['no pid file', () => rmSync(options.vrrpPidFile), /^no keepalived VRRP pid in /],
    ['a pid file without a pid', () => writeFileSync(options.vrrpPidFile, 'x\n'), /^no keepalived VRRP pid/],
    [
      'killed (SIGKILL, no notify)',
      () => rmSync(join(options.procRoot, '4242'), { recursive: true }),
      /4242 is gone/,
    ],
    ['the pid reused by another program', () => proc(4242, 'sleep'), /4242 .* is sleep, not keepalived/],
    ['stopped (SIGSTOP: sends no adverts)', () => proc(4242, 'keepalived', 'T'), /in state T/],
    ['a zombie', () => proc(4242, 'keepalived', 'Z'), /in state Z/],
  ])('is not MASTER when keepalived is gone: %s', async (_, breakIt, reason) => {
    writeFileSync(options.vrrpPidFile, '4242\n');
    proc(4242, 'keepalived');
    await writeVrrpState(options.stateFile, 'MASTER', { keepalivedPid: 4242 });
    breakIt();
    expect(await probeKeepalived(options)).toEqual({ master: false, reason: expect.stringMatching(reason) });
  });

  it('ignores a MASTER recorded by an earlier keepalived, and any state other than MASTER', async () => {
    writeFileSync(options.vrrpPidFile, '5000\n');
    proc(5000, 'keepalived');
    expect(await probeKeepalived(options)).toEqual({
      master: false,
      reason: expect.stringMatching(/^no keepalived notify recorded/),
    });
    await writeVrrpState(options.stateFile, 'MASTER', { keepalivedPid: 4242 });
    expect(await probeKeepalived(options)).toEqual({
      master: false,
      reason: 'the recorded MASTER came from keepalived 4242, not the running 5000',
    });
    await writeVrrpState(options.stateFile, 'MASTER');
    expect((await probeKeepalived(options)).master).toBe(false);
    for (const state of ['BACKUP', 'FAULT', 'STOP'] as const) {
      await writeVrrpState(options.stateFile, state, { keepalivedPid: 5000 });
      expect(await probeKeepalived(options)).toEqual({ master: false, reason: `keepalived is ${state}` });
    }
  });

  it('reads a command name holding spaces and parentheses', async () => {
    writeFileSync(options.vrrpPidFile, '7\n');
    proc(7, 'keep (alived)');
    await writeVrrpState(options.stateFile, 'MASTER', { keepalivedPid: 7 });
    expect(await probeKeepalived(options)).toEqual({
      master: false,
      reason: expect.stringContaining('is keep (alived), not keepalived'),
    });
  });
});
