import { NodeMetrics } from '../../runtime/node/metrics';
import { NodeServer, type NodeServerOptions } from '../../runtime/node/node-server';
import type { TokenKeyRing } from '../../runtime/token';
import { silentLog } from './silent-log';

/** A NodeServer `node-1` with test-sized limits; tests override what they exercise. */
export function testNodeServer(keys: TokenKeyRing, overrides: Partial<NodeServerOptions> = {}): NodeServer {
  return new NodeServer({
    nodeId: 'node-1',
    keys: () => keys,
    audiences: ['node-1'],
    maxConnections: 100,
    pingMs: 60_000,
    maxPayloadBytes: 1024,
    maxBufferedBytes: 1 << 20,
    perMessageDeflate: false,
    maxMessagesPerSecond: 2000,
    metrics: new NodeMetrics(false),
    log: silentLog,
    ...overrides,
  });
}
