import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';

/**
 * The metric contract between the node service and the dashboard: the node writes embedded-metric-format
 * (EMF) JSON lines to its log; the CloudWatch agent ships the log and CloudWatch Logs turns them into
 * metrics in this namespace, with dimension sets [Fleet] and [Fleet, NodeId].
 */
export const NODE_METRICS = {
  namespace: 'wslb',
  /** Environment variable carrying the Fleet dimension's value to the node. */
  fleetEnv: 'METRICS_FLEET',
  /** Open WebSockets on the node at the time of the line (gauge). */
  connections: 'Connections',
  /** Upgrades accepted since the previous line. */
  accepted: 'Accepted',
  /** Upgrades refused (401/403/503) since the previous line. */
  rejected: 'Rejected',
} as const;

export interface WslbDashboardProps {
  /** Fleet dimension value: the stack's fleet tag. */
  readonly fleet: string;
}

/** One dashboard per stack: connections per node, accepted and rejected upgrades per minute. */
export class WslbDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: WslbDashboardProps) {
    super(scope, id);
    const perMinute = (metricName: string, label: string) =>
      new cloudwatch.Metric({
        namespace: NODE_METRICS.namespace,
        metricName,
        dimensionsMap: { Fleet: props.fleet },
        statistic: cloudwatch.Stats.SUM,
        period: Duration.minutes(1),
        label,
      });
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Connections per node',
            width: 12,
            left: [
              new cloudwatch.MathExpression({
                expression: `SEARCH('{${NODE_METRICS.namespace},Fleet,NodeId} Fleet="${props.fleet}" MetricName="${NODE_METRICS.connections}"', 'Maximum', 60)`,
                label: '',
                period: Duration.minutes(1),
              }),
            ],
          }),
          new cloudwatch.GraphWidget({
            title: 'Upgrades per minute',
            width: 12,
            left: [
              perMinute(NODE_METRICS.accepted, 'accepted'),
              perMinute(NODE_METRICS.rejected, 'rejected'),
            ],
          }),
        ],
      ],
    });
  }

  /** A row of widgets for a strategy tier (e.g. NLB flow counts), below the fleet's. */
  addRow(...widgets: cloudwatch.IWidget[]): void {
    this.dashboard.addWidgets(...widgets);
  }
}
