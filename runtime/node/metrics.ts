import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { RejectReason } from './admission';

/** Prometheus metrics of one node; `/metrics` serves `registry`. */
export class NodeMetrics {
  readonly registry = new Registry();
  readonly connections = new Gauge({
    name: 'wslb_node_connections',
    help: 'Open WebSocket connections',
    registers: [this.registry],
  });
  readonly accepted = new Counter({
    name: 'wslb_node_accepted_total',
    help: 'Upgrades accepted',
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: 'wslb_node_rejected_total',
    help: 'Upgrades refused, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly messagesIn = new Counter({
    name: 'wslb_node_messages_received_total',
    help: 'Messages received from clients',
    registers: [this.registry],
  });
  readonly messagesOut = new Counter({
    name: 'wslb_node_messages_sent_total',
    help: 'Messages sent to clients',
    registers: [this.registry],
  });
  readonly terminated = new Counter({
    name: 'wslb_node_terminated_total',
    help: 'Connections ended by the node, by cause',
    labelNames: ['cause'],
    registers: [this.registry],
  });

  readonly appErrors = new Counter({
    name: 'wslb_node_app_errors_total',
    help: 'Hooks of the hosted app that threw or rejected, by hook',
    labelNames: ['hook'],
    registers: [this.registry],
  });
  readonly upstreamFailures = new Counter({
    name: 'wslb_node_upstream_failures_total',
    help: 'Upstream connections (sidecar mode) that failed, by stage: connect (1014 to the client) or open (1011)',
    labelNames: ['stage'],
    registers: [this.registry],
  });

  constructor(defaultMetrics = true) {
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }

  reject(reason: RejectReason): void {
    this.rejected.inc({ reason });
  }
}
