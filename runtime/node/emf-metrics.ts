import type { Logger } from 'pino';
import type { NodeMetrics } from './metrics';

/** CloudWatch namespace and dimensions; lib/dashboard.ts (NODE_METRICS) reads the same. */
export const EMF_NAMESPACE = 'wslb';

const sum = async (metric: { get(): Promise<{ values: { value: number }[] }> }) =>
  (await metric.get()).values.reduce((total, v) => total + v.value, 0);

/**
 * Every `intervalMs`, one log line in CloudWatch embedded metric format: `Connections` (now), `Accepted`
 * and `Rejected` (since the previous line), by `[Fleet]` and `[Fleet, NodeId]`. The CloudWatch agent ships
 * the log; CloudWatch Logs turns these lines into metrics for the dashboard (decision 0022).
 */
export class EmfReporter {
  private timer?: NodeJS.Timeout;
  private last = { accepted: 0, rejected: 0 };

  constructor(
    private readonly metrics: NodeMetrics,
    private readonly connections: () => number,
    private readonly dims: { fleet: string; nodeId: string },
    private readonly log: Logger,
    private readonly intervalMs = 60_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.report(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async report(now = Date.now()): Promise<void> {
    const accepted = await sum(this.metrics.accepted);
    const rejected = await sum(this.metrics.rejected);
    const line = {
      _aws: {
        Timestamp: now,
        CloudWatchMetrics: [
          {
            Namespace: EMF_NAMESPACE,
            Dimensions: [['Fleet'], ['Fleet', 'NodeId']],
            Metrics: [
              { Name: 'Connections', Unit: 'Count' },
              { Name: 'Accepted', Unit: 'Count' },
              { Name: 'Rejected', Unit: 'Count' },
            ],
          },
        ],
      },
      Fleet: this.dims.fleet,
      NodeId: this.dims.nodeId,
      Connections: this.connections(),
      Accepted: accepted - this.last.accepted,
      Rejected: rejected - this.last.rejected,
    };
    this.last = { accepted, rejected };
    this.log.info(line, 'metrics');
  }
}
