import { DRAIN_SECONDS } from '../../contract/defaults';
import { throwIfProblems } from '../../contract/errors';

/** An address the balancer forwards to or listens on (IPv4 only: the stand-in is an `ip` family table). */
export interface Endpoint {
  host: string;
  port: number;
}

export interface TargetSpec extends Endpoint {
  /** Unique within the target group, e.g. the node id. */
  id: string;
}

/** The NLB target health states wslb models (`unused`/`unavailable` have no local meaning). */
export type TargetState = 'initial' | 'healthy' | 'unhealthy' | 'draining';

export interface HealthCheckSettings {
  /** HTTP path probed on the target's own port. */
  path: string;
  intervalMs: number;
  /** A probe not answered within this counts as a failure; must be below the interval. */
  timeoutMs: number;
  /** Consecutive successes that make an initial or unhealthy target healthy. */
  healthyThreshold: number;
  /** Consecutive failures that make an initial or healthy target unhealthy. */
  unhealthyThreshold: number;
}

/**
 * The values the CDK `nlb` stack gives its target group (lib/nlb/nlb-balancer.ts: HTTP /healthz every
 * 10 s, 2/2 thresholds); the NLB's own HTTP check timeout is 6 s. Keep both in step.
 */
export const NLB_HEALTH_CHECK_DEFAULTS: Readonly<HealthCheckSettings> = Object.freeze({
  path: '/healthz',
  intervalMs: 10_000,
  timeoutMs: 6_000,
  healthyThreshold: 2,
  unhealthyThreshold: 2,
});

/**
 * The drain window's default. The stack's delay adds the time a deployed node takes to notice its
 * deregistration (lib/fleet/drain-watch.ts, DRAIN_NOTICE); the stand-in tells its nodes at once.
 */
export const NLB_DEREGISTRATION_DELAY_MS_DEFAULT = DRAIN_SECONDS * 1000;

/** The virtual address the local stand-in answers on, inside its namespace. */
export const NLB_VIP_DEFAULT: Readonly<Endpoint> = Object.freeze({ host: '127.0.9.9', port: 8000 });

/** Our own nftables table; nothing else in the namespace is touched. */
export const NLB_TABLE_DEFAULT = 'wslb_nlb';

/**
 * The health check with every value in range.
 * @throws {InvalidInputError} (subject `nlb health check`) naming every bad key, all at once.
 */
export function validateHealthCheck(settings: HealthCheckSettings): HealthCheckSettings {
  const problems: string[] = [];
  const positiveInt = (key: keyof HealthCheckSettings, max: number) => {
    const value = settings[key] as number;
    if (!Number.isInteger(value) || value < 1 || value > max) {
      problems.push(`healthCheck.${key}: an integer in [1, ${max}] (got ${value})`);
    }
  };
  positiveInt('intervalMs', 300_000);
  positiveInt('timeoutMs', 120_000);
  positiveInt('healthyThreshold', 10);
  positiveInt('unhealthyThreshold', 10);
  if (settings.timeoutMs >= settings.intervalMs) {
    problems.push(
      `healthCheck.timeoutMs: below intervalMs (${settings.intervalMs}) (got ${settings.timeoutMs})`,
    );
  }
  if (!settings.path.startsWith('/')) problems.push(`healthCheck.path: starts with / (got ${settings.path})`);
  throwIfProblems('nlb health check', problems);
  return settings;
}
