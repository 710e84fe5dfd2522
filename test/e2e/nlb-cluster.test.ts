import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { checkNamespaceSupport, createNamespace, deleteNamespaceSync } from '../../runtime/local/netns';

jest.setTimeout(150_000);
const root = join(__dirname, '..', '..');
const support = checkNamespaceSupport();
// Under CI the tools and root are installed: a missing one must fail, not skip.
const run = support.available || process.env.CI === 'true' ? it : it.skip;

describe('local cluster, strategy nlb (kernel stand-in in a namespace)', () => {
  run(
    'a node that fails its health check gets no new flows; its clients stay until deregistration ends them, then reconnect',
    async () => {
      expect(support).toEqual({ available: true });
      const ns = await createNamespace('e2e');
      try {
        const out = spawnSync(
          'ip',
          [
            'netns',
            'exec',
            ns,
            process.execPath,
            '--import',
            'tsx',
            'test/e2e/fixtures/nlb-unhealthy-node.ts',
          ],
          { cwd: root, encoding: 'utf8', timeout: 140_000, env: { ...process.env, WSLB_NETNS: ns } },
        );
        expect(out.stderr).toBe('');
        const r = JSON.parse(out.stdout.trim().split('\n').pop()!);
        try {
          expect(r.held).toBeGreaterThan(0);
          // interval 1 s x unhealthy threshold 2, plus one probe timeout and the apply.
          expect(r.unhealthyAfterMs).toBeLessThanOrEqual(3500);
          expect(r.more).toEqual({ connected: 150, failed: 0, failures: {} });
          expect(r.heldWhileUnhealthy).toBe(r.held);
          expect(r.connectedWhileUnhealthy).toBe(450);
          expect(r.heldDuringDelay).toBe(r.held);
          expect(r.endedAfterMs).toBeGreaterThanOrEqual(2000);
          expect(r.victimAfter).toBe(0);
          expect(r.reconnected).toBe(450);
          expect(r.others.reduce((a: number, b: number) => a + b, 0)).toBe(450);
        } catch (err) {
          // Every observation with the failure: a miss is read against the closes and the other nodes.
          throw new Error(`${(err as Error).message}\nobservations: ${JSON.stringify(r)}`);
        }
      } finally {
        deleteNamespaceSync(ns);
      }
    },
  );
});
