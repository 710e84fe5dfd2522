import type { Strategy } from '../../../runtime/contract/strategies';
import type { ClientFleet } from '../../../runtime/local/client-fleet';
import { formatTable, toSummary } from '../../../runtime/local/summary';
import {
  runSwitch,
  type Switchable,
  SwitchStepError,
  switchPassed,
  switchStep,
} from '../../../runtime/local/switch-run';

/** Three connected clients on haproxy; `switchTo` runs `steps` in order, as LocalCluster's switch does. */
function setUp(steps: Record<string, () => Promise<void>>, retire: () => Promise<Strategy | undefined>) {
  const clients = [{ connected: true }, { connected: true }, { connected: true }];
  const fleet = {
    clients,
    stats: { closesByCode: {} as Record<number, number> },
    urlOf: new Map(clients.map((c) => [c, 'haproxy-url'])),
  } as unknown as ClientFleet;
  const ran: string[] = [];
  const cluster: Switchable = {
    currentPath: { strategy: 'haproxy' },
    pathOf: (url) => (url === 'direct-url' ? 'direct' : 'haproxy'),
    switchTo: async () => {
      for (const [step, run] of Object.entries(steps)) {
        await switchStep(step, run);
        ran.push(step);
      }
    },
    retire,
  };
  return { cluster, fleet, ran };
}

const timeout = (what: string) => () => Promise.reject(new Error(what));
const ok = () => Promise.resolve();

describe('a switch whose step fails names the step and still gives its outcome', () => {
  it('the first step fails: the outcome has failed { step, error } and the figures reached; not passed', async () => {
    const retire = jest.fn(async () => 'haproxy' as const);
    const { cluster, fleet, ran } = setUp(
      {
        'start the direct path': timeout('targets not healthy within 15000 ms'),
        'hand out the direct path in auth': ok,
      },
      retire,
    );
    const outcome = await runSwitch(cluster, fleet, 'direct', { timeoutMs: 60_000 });
    expect(outcome).toEqual({
      from: 'haproxy',
      to: 'direct',
      clients: 3,
      onNewPath: 0,
      lost: 0,
      abnormalCloses: 0,
      seconds: expect.any(Number),
      failed: {
        step: 'start the direct path',
        error: "switch step 'start the direct path' failed: targets not healthy within 15000 ms",
      },
    });
    // No wait for clients that will not move (well under the 60 s timeout), no retire of the path they are on.
    expect(outcome.seconds).toBeLessThan(30);
    expect(ran).toEqual([]);
    expect(retire).not.toHaveBeenCalled();
    expect(switchPassed(outcome)).toBe(false);

    const summary = toSummary('haproxy', 3, 3, [], { instances: 1, sessions: 3, registryItemsRead: 0 });
    summary.switch = outcome;
    expect(formatTable(summary).split('\n').slice(1, 3)).toEqual([
      "switch haproxy -> direct FAILED: switch step 'start the direct path' failed: targets not healthy within 15000 ms",
      'switch haproxy -> direct: 0/3 clients on the new path, 0 lost, 0 abnormal closes, ' +
        `${outcome.seconds} s`,
    ]);
    expect(JSON.parse(JSON.stringify(summary)).switch.failed.step).toBe('start the direct path');
  });

  it('a later step fails: the steps before it ran', async () => {
    const { cluster, fleet, ran } = setUp(
      {
        'start the direct path': ok,
        'name direct current in the registry': timeout('@smithy/node-http-handler requestTimeout 5000 ms'),
      },
      async () => 'haproxy',
    );
    const outcome = await runSwitch(cluster, fleet, 'direct', { timeoutMs: 60_000 });
    expect(ran).toEqual(['start the direct path']);
    expect(outcome.failed).toEqual({
      step: 'name direct current in the registry',
      error:
        "switch step 'name direct current in the registry' failed: @smithy/node-http-handler requestTimeout 5000 ms",
    });
  });

  it('an error outside any named step is named after the switch; a failed retire after the retire', async () => {
    const bare = setUp({}, async () => 'haproxy');
    bare.cluster.switchTo = () => Promise.reject(new Error('boom'));
    expect((await runSwitch(bare.cluster, bare.fleet, 'direct', { timeoutMs: 1000 })).failed).toEqual({
      step: 'switch to direct',
      error: "switch step 'switch to direct' failed: boom",
    });

    const moved = setUp({}, timeout('stop haproxy: EPERM'));
    for (const c of moved.fleet.clients) moved.fleet.urlOf.set(c, 'direct-url');
    const outcome = await runSwitch(moved.cluster, moved.fleet, 'direct', { timeoutMs: 60_000 });
    expect(outcome).toMatchObject({
      onNewPath: 3,
      failed: {
        step: 'retire the haproxy path',
        error: "switch step 'retire the haproxy path' failed: stop haproxy: EPERM",
      },
    });
    expect(switchPassed(outcome)).toBe(false);
  });

  it('switchStep keeps the innermost step', async () => {
    const inner = switchStep('outer', () => switchStep('inner', timeout('x')));
    await expect(inner).rejects.toEqual(new SwitchStepError('inner', new Error('x')));
  });
});
