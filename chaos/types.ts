import type { Check } from '../harness/check';
import type { SecretLedger } from './harness/secret-ledger';

export const SCENARIO_IDS = [
  'node-killed',
  'node-drained',
  'rolling-restart',
  'haproxy-failover',
  'registry-outage',
  'overload',
  'bad-input',
  'hostile-frames',
  'secrets',
  'haproxy-split-brain',
  'login-throttled',
  'switch-nlb-haproxy',
  'switch-nlb-direct',
  'switch-haproxy-nlb',
  'switch-haproxy-direct',
  'switch-direct-nlb',
  'switch-direct-haproxy',
  'haproxy-pair-roll',
] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

export interface ScenarioOutcome {
  /** The headline figure for the table, e.g. "10,000 back in 4.1 s; p99 2.3 s". */
  figure: string;
  checks: Check[];
  metrics: Record<string, unknown>;
  /** Set when a prerequisite (root, a tool) is missing: the scenario did not run. */
  missing?: string;
}

export interface ScenarioResult extends ScenarioOutcome {
  number: number;
  id: ScenarioId;
  title: string;
  pass: boolean;
  durationMs: number;
  error?: string;
}

export interface ScenarioContext {
  quick: boolean;
  /** Every scenario hands its logs and secrets here; scenario 8 reads the verdict. */
  ledger: SecretLedger;
}

export interface Scenario {
  number: number;
  id: ScenarioId;
  title: string;
  /**
   * Runs a cluster with the `nlb` path: the run re-executes itself in a network namespace when it can, so the
   * stand-in is the kernel balancer rather than HAProxy in tcp mode (chaos/main.ts).
   */
  nlbPath?: boolean;
  run(ctx: ScenarioContext): Promise<ScenarioOutcome>;
}
