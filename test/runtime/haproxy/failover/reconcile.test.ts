import { type ContestRole, contestRole } from '../../../../runtime/haproxy/failover/contest-role';
import type { KeepalivedView } from '../../../../runtime/haproxy/failover/keepalived-probe';
import { reconcileLoop } from '../../../../runtime/haproxy/failover/reconcile';
import { memoryLogger } from '../helpers/logger';

describe('contestRole', () => {
  it('keeps on the side VRRP keeps MASTER when two MASTERs hear each other (RFC 5798 6.4.3)', () => {
    expect(contestRole({ priority: 150 }, { priority: 100 })).toBe('keep');
    expect(contestRole({ priority: 100 }, { priority: 150 })).toBe('yield');
    expect(contestRole({ priority: 100, ip: '10.0.0.9' }, { priority: 100, ip: '10.0.0.10' })).toBe('yield');
    expect(contestRole({ priority: 100, ip: '10.0.0.10' }, { priority: 100, ip: '10.0.0.9' })).toBe('keep');
    expect(contestRole({ priority: 150 }, {})).toBe('yield');
    expect(contestRole({ priority: 100 }, { priority: 100 })).toBe('yield');
  });
});

/**
 * The loop against a scripted world: the peer takes the VIP at the start of each round in `taken`, and
 * every ensure() puts it back here.
 */
function simulate(
  role: ContestRole,
  script: { master?: boolean[]; spell?: string[]; taken: number[] },
  rounds: number,
) {
  const log = memoryLogger();
  let round = 0;
  let here = true;
  const actions: string[] = [];
  const taken = new Set(script.taken);
  return reconcileLoop({
    // Called first in every round: the peer's move, if any, lands just before.
    keepalived: async (): Promise<KeepalivedView> => {
      if (taken.has(round)) here = false;
      return (script.master?.[round] ?? true)
        ? { master: true, spell: script.spell?.[round] ?? 'spell-1' }
        : { master: false, reason: 'keepalived is BACKUP' };
    },
    vip: {
      allHere: async () => here,
      ensure: async () => {
        here = true;
        actions.push(`move@${round}`);
      },
    },
    role,
    sleep: async () => void round++,
    logger: log.logger,
    intervalMs: 1_000,
    calmRounds: 5,
    maxRounds: rounds,
  }).then((summary) => ({ summary, actions, log }));
}

describe('reconcileLoop', () => {
  it('yield: takes the VIP back once, then stands down for the rest of the spell', async () => {
    const { summary, actions, log } = await simulate('yield', { taken: [2, 4, 6, 8] }, 12);
    expect(actions).toEqual(['move@2']);
    expect(summary).toEqual({ moves: 1, failures: 0 });
    expect(log.lines.filter((l) => l.event === 'vip_contested')).toEqual([
      expect.objectContaining({ level: 50, role: 'yield', moves: 1 }),
    ]);
  });

  it('yield: one move per MASTER spell, a claim included; a new spell (a new notify) gets its own', async () => {
    const spell = Array.from({ length: 12 }, (_, i) => (i < 6 ? 'spell-1' : 'spell-2'));
    const { actions, log } = await simulate('yield', { spell, taken: [1, 3, 9] }, 12);
    // Round 6: the new spell never held it (the peer has it since round 3): claimed; round 9: stands down.
    expect(actions).toEqual(['move@1', 'move@6']);
    expect(log.events().filter((e) => e === 'vip_contested')).toHaveLength(2);
    expect(log.events().filter((e) => e === 'vip_claimed')).toHaveLength(1);
  });

  it('keep: takes it back each time, 1, 2, 4, 8, 16 rounds apart (capped)', async () => {
    const taken = Array.from({ length: 59 }, (_, i) => i + 1);
    const { actions } = await simulate('keep', { taken }, 60);
    expect(actions).toEqual(['move@1', 'move@2', 'move@4', 'move@8', 'move@16', 'move@32', 'move@49']);
  });

  it('forgives a taking after the VIP stayed here for calmRounds (the next #950 gets its take-back)', async () => {
    const { actions, log } = await simulate('yield', { taken: [1, 8] }, 12);
    expect(actions).toEqual(['move@1', 'move@8']);
    expect(log.events()).not.toContain('vip_contested');
  });

  it('does nothing while keepalived is not MASTER, and claims a VIP the spell never held', async () => {
    const master = [false, false, true, true];
    const { actions, log } = await simulate('yield', { master, taken: [0] }, 4);
    expect(actions).toEqual(['move@2']);
    expect(log.lines.filter((l) => l.event === 'reconcile_idle')).toHaveLength(1);
    expect(log.events()).toContain('vip_claimed');
  });
});
