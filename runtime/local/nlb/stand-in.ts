import { buildUrl } from '../../contract/url';
import { createLogger, type Logger } from '../../shared/log';
import { endFlows } from './end-flows';
import { nftApplier } from './nft';
import { renderTeardown } from './render-ruleset';
import {
  type Endpoint,
  type HealthCheckSettings,
  NLB_TABLE_DEFAULT,
  NLB_VIP_DEFAULT,
  type TargetSpec,
} from './settings';
import { type TargetChange, TargetGroupController, type TargetStatus } from './target-group';

/** What the local cluster needs from whichever NLB stand-in runs: the kernel balancer or its fallback. */
export interface NlbStandIn {
  /** `kernel`: nftables DNAT in a namespace; `haproxy-tcp`: the no-root fallback. */
  readonly kind: 'kernel' | 'haproxy-tcp';
  /** ws://<vip>:<port>, what the auth service hands out for `nlb`. */
  readonly url: string;
  register(target: TargetSpec): void;
  /** Resolves when the deregistration delay is over and the target's flows are ended. */
  deregister(id: string): Promise<void>;
  targets(): TargetStatus[];
  /** Resolves once the listed targets are healthy and receive new flows. */
  whenHealthy(ids: string[], timeoutMs: number): Promise<void>;
  close(): Promise<void>;
  /** Stop any process the stand-in runs, now (a synchronous cleanup on exit). */
  kill(): void;
}

export interface KernelNlbStandIn extends NlbStandIn {
  readonly kind: 'kernel';
  readonly namespace: string;
  readonly vip: Endpoint;
  /** Target state changes and applied rulesets, for summaries and tests. */
  readonly controller: TargetGroupController;
}

export interface NlbStandInOptions {
  /** The namespace the cluster runs in (this process must run inside it too, for the health checks). */
  namespace: string;
  /** @default 127.0.9.9:8000 */
  vip?: Endpoint;
  /** @default NLB_HEALTH_CHECK_DEFAULTS */
  healthCheck?: Partial<HealthCheckSettings>;
  /** @default 30000 */
  deregistrationDelayMs?: number;
  /** @default true */
  failOpen?: boolean;
  /** @default createLogger('wslb-nlb') */
  log?: Logger;
}

/**
 * The kernel stand-in for the NLB: an nftables table of our own in `namespace` that DNATs each new flow to
 * the VIP to a random healthy target, driven by a TargetGroupController. `close()` removes the table.
 */
export async function startNlbStandIn(options: NlbStandInOptions): Promise<KernelNlbStandIn> {
  const vip = options.vip ?? NLB_VIP_DEFAULT;
  const log = options.log ?? createLogger('wslb-nlb');
  const apply = nftApplier(options.namespace);
  const controller = new TargetGroupController({
    vip,
    apply,
    endFlows: (target) => endFlows(options.namespace, vip, target),
    healthCheck: options.healthCheck,
    deregistrationDelayMs: options.deregistrationDelayMs,
    failOpen: options.failOpen,
    log,
  });
  await controller.start();
  log.info({ event: 'nlb-stand-in-started', kind: 'kernel', namespace: options.namespace, vip });
  return {
    kind: 'kernel',
    namespace: options.namespace,
    vip,
    url: buildUrl('ws', vip.host, vip.port),
    controller,
    register: (target) => controller.register(target),
    deregister: (id) => controller.deregister(id),
    targets: () => controller.targets(),
    whenHealthy: (ids, timeoutMs) => controller.whenHealthy(ids, timeoutMs),
    // Nothing runs as a process: the table goes with the cluster's namespace.
    kill: () => {},
    close: async () => {
      await controller.close();
      await apply(renderTeardown(NLB_TABLE_DEFAULT)).catch((error: Error) =>
        log.warn({ event: 'nlb-teardown-failed', err: error.message }),
      );
    },
  };
}

export type { TargetChange };
