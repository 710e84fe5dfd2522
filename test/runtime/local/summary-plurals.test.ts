import { formatTable, toSummary } from '../../../runtime/local/summary';
import { RetireRefusedError } from '../../../runtime/local/switch-run';
import { counted } from '../../../runtime/shared/plural';

describe('human output counts in the right number', () => {
  it('counted', () => {
    expect([0, 1, 2].map((n) => counted(n, 'client'))).toEqual(['0 clients', '1 client', '2 clients']);
    expect(counted(1, 'entry', 'entries')).toBe('1 entry');
    expect(counted(3, 'entry', 'entries')).toBe('3 entries');
  });

  const node = {
    id: 'node-1',
    endpoint: 'ws://127.0.0.1:1',
    connections: 1,
    connectionsByPath: {},
    state: 'active',
  };
  const summaryOf = (n: number) => {
    const s = toSummary('direct', n, n, [{ ...node, connections: n }], {
      instances: n,
      sessions: n,
      registryItemsRead: n,
    });
    s.switch = {
      from: 'haproxy',
      to: 'direct',
      clients: n,
      onNewPath: n,
      lost: 0,
      abnormalCloses: n,
      seconds: 1,
    };
    return formatTable(s).split('\n').slice(0, 3);
  };

  it('one of each', () => {
    expect(summaryOf(1)).toEqual([
      'strategy direct: 1/1 client connected, 0 failed',
      'switch haproxy -> direct: 1/1 client on the new path, 0 lost, 1 abnormal close, 1 s',
      'auth: 1 instance, 1 session, 1 registry item read',
    ]);
  });

  it('two of each', () => {
    expect(summaryOf(2)).toEqual([
      'strategy direct: 2/2 clients connected, 0 failed',
      'switch haproxy -> direct: 2/2 clients on the new path, 0 lost, 2 abnormal closes, 1 s',
      'auth: 2 instances, 2 sessions, 2 registry items read',
    ]);
  });

  it('a refused retire with one client left', () => {
    expect(new RetireRefusedError('nlb', { 'node-2': 1 }).message).toMatch(
      /^nlb still holds 1 client \(node-2: 1\)/,
    );
  });
});
