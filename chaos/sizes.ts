/** Sizes of every scenario: the figures for a full run, small ones for `--quick` (under 2 minutes). */
export interface Sizes {
  nodes: number;
  clients: number;
  /** Client processes; none holds more than ~18,000 sockets. */
  processes: number;
}

export const clusterSizes = (quick: boolean): Sizes =>
  quick ? { nodes: 4, clients: 400, processes: 2 } : { nodes: 4, clients: 10_000, processes: 4 };

/** Timings shared by the local-cluster scenarios (the local cluster's defaults, spelled out). */
export const TIMING = {
  heartbeatMs: 1000,
  freshnessMs: 3000,
  registryCacheMs: 1000,
  drainSeconds: 3,
} as const;
