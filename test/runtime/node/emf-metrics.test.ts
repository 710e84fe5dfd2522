import { Writable } from 'node:stream';
import pino from 'pino';
import { EmfReporter } from '../../../runtime/node/emf-metrics';
import { NodeMetrics } from '../../../runtime/node/metrics';

describe('EMF metric lines', () => {
  it('writes connections now and accepted/rejected since the previous line, by fleet and node', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    const metrics = new NodeMetrics(false);
    let open = 7;
    const emf = new EmfReporter(metrics, () => open, { fleet: 'wslb-direct', nodeId: 'i-1' }, pino(sink));
    metrics.accepted.inc(5);
    metrics.reject('full');
    metrics.reject('expired');
    await emf.report(1_000);
    metrics.accepted.inc(2);
    open = 9;
    await emf.report(61_000);
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => [l.Connections, l.Accepted, l.Rejected])).toEqual([
      [7, 5, 2],
      [9, 2, 0],
    ]);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'metrics',
      Fleet: 'wslb-direct',
      NodeId: 'i-1',
      _aws: {
        Timestamp: 1_000,
        CloudWatchMetrics: [
          {
            Namespace: 'wslb',
            Dimensions: [['Fleet'], ['Fleet', 'NodeId']],
            Metrics: [
              { Name: 'Connections', Unit: 'Count' },
              { Name: 'Accepted', Unit: 'Count' },
              { Name: 'Rejected', Unit: 'Count' },
            ],
          },
        ],
      },
    });
  });
});
