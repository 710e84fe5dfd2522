import { check } from '../../harness/check';
import { say } from '../../harness/progress';
import { count, seconds, sleep, until } from '../../harness/stats';
import { DynamoDbRegistry } from '../../runtime/registry';
import { ChaosCluster } from '../harness/chaos-cluster';
import { closesWith } from '../harness/client-pool';
import { heldFleet } from '../harness/held-fleet';
import { TIMING } from '../sizes';
import type { Scenario } from '../types';

/** The local cluster's registry table (startEmbeddedRegistry's default name). */
const TABLE = 'wslb-nodes';

/**
 * 5. Stop the registry for 10 s: sockets stay up and echo; auth serves its last view while it is within
 * the freshness window, then answers 503 + Retry-After; afterwards every node heartbeats again.
 */
export const registryOutage: Scenario = {
  number: 5,
  id: 'registry-outage',
  title: 'Registry outage',
  async run({ quick, ledger }) {
    const clients = quick ? 200 : 2_000;
    const outageMs = quick ? 6_000 : 10_000;
    const processes = quick ? 1 : 2;
    const cc = await ChaosCluster.start('registry-outage', ledger, { nodes: 4, ...TIMING }, processes);
    try {
      const { pool } = await heldFleet(cc, processes, clients);
      say(`  registry down for ${seconds(outageMs)}`);
      const t0 = Date.now();
      await cc.cluster.stopRegistry();
      const answers: Array<{ atMs: number; status: number; retryAfter: string | null }> = [];
      let sent = 0;
      let echoed = 0;
      while (Date.now() - t0 < outageMs) {
        const [login, echo] = await Promise.all([cc.login(), pool.echo(3_000)]);
        answers.push({ atMs: Date.now() - t0, status: login.status, retryAfter: login.retryAfter });
        sent += echo.sent;
        echoed += echo.echoed;
        await sleep(500);
      }
      await cc.cluster.startRegistry();
      say('  registry back');
      const registry = new DynamoDbRegistry({
        tableName: TABLE,
        endpoint: cc.cluster.registryEndpoint,
        freshnessMs: 600_000,
      });
      const live = cc.cluster.nodes.filter((n) => n.running).map((n) => n.nodeId);
      const healed = await until(
        async () => {
          const { nodes } = await registry.read();
          return live.every((id) =>
            nodes.some(
              (n) =>
                n.nodeId === id && n.state === 'active' && Date.now() - n.heartbeatAt < TIMING.freshnessMs,
            ),
          );
        },
        TIMING.freshnessMs * 3,
        200,
      );
      const healedMs = Date.now() - t0 - outageMs;
      await sleep(TIMING.registryCacheMs);
      const loginAfter = await cc.login();
      const after = await pool.status();
      const served = answers.filter((a) => a.status === 200);
      const refused = answers.filter((a) => a.status === 503);
      const lateServed = served.filter((a) => a.atMs > TIMING.freshnessMs + TIMING.registryCacheMs);
      const documented = answers.every(
        (a) => a.status === 200 || (a.status === 503 && a.retryAfter !== null),
      );
      return {
        figure: `${count(echoed)}/${count(sent)} echoes during ${seconds(outageMs)} down; auth ${served.length}×200 then ${refused.length}×503+Retry-After; heartbeats fresh ${seconds(healedMs)} after`,
        checks: [
          check(
            'established sockets stayed up',
            closesWith(after, 1006) === 0 && after.connected === clients,
            `${count(after.connected)}/${count(clients)} connected, ${closesWith(after, 1006)} abnormal closes`,
          ),
          check(
            'every socket kept echoing during the outage',
            sent > 0 && echoed === sent,
            `${count(echoed)}/${count(sent)}`,
          ),
          check(
            'auth answered only 200 (view within freshness) or 503 with Retry-After',
            documented,
            answers.map((a) => `${a.status}@${a.atMs}`).join(' '),
          ),
          check(
            `auth served no view older than its freshness window (${TIMING.freshnessMs} ms + one refresh)`,
            lateServed.length === 0 && refused.length > 0,
            `${lateServed.length} late 200s; first 503 at ${refused[0]?.atMs ?? '-'} ms`,
          ),
          check(
            'heartbeats resumed: no node left stale',
            healed,
            `all ${live.length} fresh ${healedMs} ms after restart`,
          ),
          check('auth issues sessions again', loginAfter.status === 200, `${loginAfter.status}`),
        ],
        metrics: {
          clients,
          outageMs,
          answers,
          echoes: { sent, echoed },
          healedMs,
          loginAfter: loginAfter.status,
        },
      };
    } finally {
      await cc.stop();
    }
  },
};
