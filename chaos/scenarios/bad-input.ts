import { check } from '../../harness/check';
import { openFiles, rssMiB } from '../../harness/proc';
import { Progress, say } from '../../harness/progress';
import { count, sleep } from '../../harness/stats';
import { rawRequest } from '../../test/helpers/raw-http';
import { AUTH_STATUSES, authRequests, MALFORMED_STATUSES, malformedRequests } from '../fuzz/auth-requests';
import { runSamples } from '../fuzz/run-samples';
import { slowloris } from '../fuzz/slowloris';
import { BROKEN_STATUSES, TOKEN_STATUSES, upgradeRequests } from '../fuzz/upgrade-requests';
import { ChaosCluster } from '../harness/chaos-cluster';
import { heapAfterGc } from '../harness/heap-probe';
import { TIMING } from '../sizes';
import type { Scenario } from '../types';

/**
 * "Back near the baseline", measured after a forced full GC in the node (through its inspector): a few
 * descriptors (timers, log files), a little heap for compiled code and caches, and RSS that V8 and malloc keep
 * for the next burst. Without the GC, RSS alone reads V8's timing: 77→121 MiB once, 71→85 MiB after GC.
 */
export const FD_SLACK = 5;
export const HEAP_SLACK_MIB = 4;
export const RSS_SLACK_MIB = 25;
/** The node cuts a request whose headers have not all arrived by this (NodeServer's headersTimeout). */
const HEADERS_TIMEOUT_MS = 10_000;

const port = (url: string) => Number(new URL(url).port);

/** 7. Property-based fuzzing of auth and of a real node process's upgrade gate, then slowloris; no leaks. */
export const badInput: Scenario = {
  number: 7,
  id: 'bad-input',
  title: 'Bad input',
  async run({ quick, ledger }) {
    const runs = quick ? 300 : 10_000;
    const slow = quick ? 50 : 500;
    const cc = await ChaosCluster.start('bad-input', ledger, { nodes: 1, ...TIMING, inspectNodes: true });
    const tokens: string[] = [];
    try {
      const node = cc.cluster.nodes[0];
      const authPort = port(cc.cluster.authUrl);
      const user = cc.cluster.credentials;
      await sleep(500);
      const inspector = node.inspectorUrl;
      if (!inspector) throw new Error(`${node.nodeId} printed no inspector URL`);
      const base = {
        node: { fds: openFiles(node.pid), rss: rssMiB(node.pid), ...(await heapAfterGc(inspector)) },
        auth: { fds: openFiles(undefined), rss: rssMiB(undefined) },
      };

      let bar = new Progress(`auth: ${runs} generated requests`, runs);
      const auth = await runSamples(
        authRequests(user),
        runs,
        (req) => rawRequest(authPort, req, 10_000),
        (_, s) => (AUTH_STATUSES.has(s) ? undefined : `undocumented status ${s}`),
        { seed: 7001, onProgress: (d) => bar.update(d) },
      );
      bar.done();
      const malformedRuns = Math.ceil(runs / 3);
      bar = new Progress(`auth: ${malformedRuns} malformed requests`, malformedRuns);
      const malformed = await runSamples(
        malformedRequests,
        malformedRuns,
        (req) => rawRequest(authPort, req, 10_000),
        (_, s) => (MALFORMED_STATUSES.has(s) ? undefined : `status ${s}`),
        { seed: 7002, onProgress: (d) => bar.update(d) },
      );
      bar.done();

      const { kid, secret } = keyOf(cc);
      bar = new Progress(`node ${node.nodeId}: ${runs} upgrades`, runs);
      const gate = await runSamples(
        upgradeRequests(node.nodeId, kid, secret),
        runs,
        (c) => rawRequest(node.port, c.request, 10_000, false),
        (c, s) => {
          if (c.broken) return BROKEN_STATUSES.has(s) ? undefined : `broken request answered ${s}`;
          if (!TOKEN_STATUSES.has(s)) return `status ${s}`;
          if (c.valid && s !== 101) return `refused a valid token with ${s}`;
          return s === 101 && !c.acceptable ? 'let in a token it must refuse' : undefined;
        },
        { seed: 7003, onProgress: (d) => bar.update(d) },
      );
      bar.done();

      say(`  slowloris: ${slow} trickling upgrades against ${node.nodeId}`);
      const login = await cc.login();
      if (login.token) tokens.push(login.token);
      const [loris, during] = await Promise.all([
        slowloris(node.port, slow, HEADERS_TIMEOUT_MS + 10_000),
        sleep(1_000).then(() => rawRequest(node.port, upgradeWith(login.token ?? ''), 10_000, false)),
      ]);
      await sleep(1_500);
      const end = {
        node: { fds: openFiles(node.pid), rss: rssMiB(node.pid), ...(await heapAfterGc(inspector)) },
        auth: { fds: openFiles(undefined), rss: rssMiB(undefined) },
      };
      const after = await cc.login();
      const alive = node.running && after.status === 200;
      const fdsOk = end.node.fds <= base.node.fds + FD_SLACK && end.auth.fds <= base.auth.fds + FD_SLACK;
      const heapOk = end.node.heapUsedMiB <= base.node.heapUsedMiB + HEAP_SLACK_MIB;
      const rssOk = end.node.rssMiB <= base.node.rssMiB + RSS_SLACK_MIB;
      const statuses = (r: { statuses: Record<string, number> }) =>
        Object.entries(r.statuses)
          .map(([s, n]) => `${s}×${n}`)
          .join(' ');
      return {
        figure: `${count(runs)} auth + ${count(malformedRuns)} malformed + ${count(runs)} upgrades, ${slow} slowloris: 0 crashes expected (${alive ? 'none' : 'CRASH'}); node fds ${base.node.fds}→${end.node.fds}, heap after GC ${base.node.heapUsedMiB}→${end.node.heapUsedMiB} MiB, RSS after GC ${base.node.rssMiB}→${end.node.rssMiB} MiB`,
        checks: [
          check('auth: documented statuses only', auth.failures.length === 0, statuses(auth)),
          check(
            'auth: malformed HTTP answered 400/431 or closed',
            malformed.failures.length === 0,
            statuses(malformed),
          ),
          check(
            'node: 101 only for a valid token for this node, else 401/403; a broken request 400/431',
            gate.failures.length === 0,
            statuses(gate),
          ),
          check(
            'node: every slowloris upgrade cut off, others still served meanwhile',
            loris.held === 0 && during === 101,
            `${loris.cut}/${slow} cut; a good upgrade meanwhile got ${during}`,
          ),
          check(
            'zero crashes: node process running, auth answering',
            alive,
            `node running ${node.running}, login ${after.status}`,
          ),
          check(
            `open files back within +${FD_SLACK} (node process and auth process)`,
            fdsOk,
            `node ${base.node.fds}→${end.node.fds}, auth ${base.auth.fds}→${end.auth.fds}`,
          ),
          check(
            `node heap in use after a full GC back within +${HEAP_SLACK_MIB} MiB (no leak)`,
            heapOk,
            `${base.node.heapUsedMiB}→${end.node.heapUsedMiB} MiB`,
          ),
          check(
            `node RSS after a full GC back within +${RSS_SLACK_MIB} MiB`,
            rssOk,
            `${base.node.rssMiB}→${end.node.rssMiB} MiB (before the GC ${base.node.rss}→${end.node.rss} MiB; harness and auth process ${base.auth.rss}→${end.auth.rss} MiB)`,
          ),
        ],
        metrics: {
          runs,
          base,
          end,
          auth,
          malformed,
          gate: {
            ...gate,
            failures: gate.failures.map((f) => ({ ...f, input: f.input.request.slice(0, 300) })),
          },
          slowloris: loris,
        },
      };
    } finally {
      await cc.stop(tokens);
    }
  },
};

function keyOf(cc: ChaosCluster): { kid: string; secret: Buffer } {
  return { kid: 'local-1', secret: Buffer.from(cc.tokenKey(), 'utf8') };
}

const upgradeWith = (token: string) =>
  'GET / HTTP/1.1\r\nHost: n\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: wslb, token.${token}\r\n\r\n`;
