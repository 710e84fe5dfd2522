import { DynamoDbRegistry, startEmbeddedRegistry } from '../../../runtime/registry';

const node = {
  nodeId: 'n1',
  endpoint: 'ws://127.0.0.1:9',
  connections: 1,
  capacity: 10,
  state: 'active' as const,
};

describe('embedded registry outage', () => {
  it('refuses while paused and comes back on the same port with its data', async () => {
    const embedded = await startEmbeddedRegistry('outage-nodes');
    const registry = new DynamoDbRegistry({ tableName: embedded.tableName, endpoint: embedded.endpoint });
    try {
      await registry.heartbeat(node);
      await embedded.pause();
      await expect(registry.list()).rejects.toThrow();
      await embedded.resume();
      expect((await registry.list()).map((n) => n.nodeId)).toEqual(['n1']);
    } finally {
      await embedded.close();
    }
  });
});
