import type { Logger } from 'pino';
import { startLocalHaproxy } from './local-haproxy';
import type { NlbStandIn, TargetSpec, TargetStatus } from './nlb';

/**
 * The NLB stand-in where no network namespace can be made (not root): HAProxy in `mode tcp` with
 * `balance random` and `/healthz` checks. It forwards flows like an NLB but is a proxy: nodes see
 * HAProxy's address, not the client's, and deregistration ends flows at once rather than after a delay.
 */
export async function startNlbFallback(
  deregistrationDelayMs: number,
  logger: Logger,
  /** PEM bundle: terminate TLS, as an NLB TLS listener does (url is wss://). @default - plain TCP */
  tlsCertFile?: string,
): Promise<NlbStandIn> {
  const targets = new Map<string, TargetSpec>();
  const haproxy = await startLocalHaproxy({
    mode: 'tcp',
    backends: [],
    logger,
    checkInterMs: 500,
    tlsCertFile,
    // Servers added through the runtime API got no flows under `balance random` (Debian's HAProxy 2.6):
    // every target change is a reload here, which an L4 stand-in can afford (no leastconn to keep).
    liveServerChanges: false,
  });
  const apply = () =>
    haproxy.setBackends([...targets.values()].map((t) => ({ id: t.id, host: t.host, port: t.port })));
  return {
    kind: 'haproxy-tcp',
    url: haproxy.url,
    register(target) {
      targets.set(target.id, target);
      void apply();
    },
    async deregister(id) {
      await new Promise((r) => setTimeout(r, deregistrationDelayMs));
      targets.delete(id);
      await apply();
    },
    targets: (): TargetStatus[] =>
      [...targets.values()].map((t) => ({ ...t, state: 'healthy', reason: 'haproxy-tcp fallback' })),
    async whenHealthy() {
      await apply();
      // rise 1 at a 500 ms interval: every registered node is checked once within a second.
      await new Promise((r) => setTimeout(r, 1000));
    },
    close: () => haproxy.close(),
    kill: () => haproxy.kill(),
  };
}
