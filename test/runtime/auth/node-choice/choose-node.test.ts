import { type Candidate, chooseNode } from '../../../../runtime/auth/node-choice/choose-node';
import type { NodeChoiceRule } from '../../../../runtime/contract/strategies';
import type { NodeRecord } from '../../../../runtime/registry';
import { seededRandom } from '../../../helpers/random';

const node = (nodeId: string, connections: number, over: Partial<NodeRecord> = {}): NodeRecord => ({
  nodeId,
  endpoint: `ws://127.0.0.1:1/${nodeId}`,
  connections,
  capacity: 1000,
  state: 'active',
  heartbeatAt: 0,
  expiresAt: 0,
  ...over,
});
const cand = (n: NodeRecord, pending = 0): Candidate => ({ node: n, pending });

describe('chooseNode', () => {
  const rules: NodeChoiceRule[] = ['p2c', 'least-loaded', 'random'];

  it.each(rules)('%s never picks a draining or full node', (rule) => {
    const random = seededRandom(7);
    const candidates = [
      cand(node('draining', 0, { state: 'draining' })),
      cand(node('full', 1000)),
      cand(node('full-with-pending', 990), 10),
      cand(node('ok', 900)),
    ];
    for (let i = 0; i < 500; i++) expect(chooseNode(candidates, rule, random)?.node.nodeId).toBe('ok');
  });

  it.each(rules)('%s returns undefined when no node has headroom', (rule) => {
    expect(
      chooseNode([cand(node('a', 1000)), cand(node('b', 0, { state: 'draining' }))], rule, Math.random),
    ).toBeUndefined();
    expect(chooseNode([], rule, Math.random)).toBeUndefined();
  });

  it('least-loaded picks the lowest load ratio, counting pending picks', () => {
    const candidates = [cand(node('a', 10), 5), cand(node('b', 12)), cand(node('c', 14, { capacity: 100 }))];
    expect(chooseNode(candidates, 'least-loaded', Math.random)?.node.nodeId).toBe('b');
  });

  it('p2c compares two distinct candidates and takes the lighter', () => {
    const random = seededRandom(1);
    const heavy = cand(node('heavy', 900));
    const light = cand(node('light', 100));
    for (let i = 0; i < 200; i++)
      expect(chooseNode([heavy, light], 'p2c', random)?.node.nodeId).toBe('light');
  });

  /**
   * 10,000 sessions to 4 nodes from K auth instances. Each node heartbeats every `beatEvery` sessions at
   * its own phase; an instance sees each node's last reported count plus its own picks made since.
   */
  function burst(rule: NodeChoiceRule, instances: number, beatEvery: number, seed: number): number {
    const random = seededRandom(seed);
    const ids = ['n1', 'n2', 'n3', 'n4'];
    const phase = ids.map(() => Math.floor(random() * beatEvery));
    const history = ids.map(() => [0]);
    const counts = ids.map(() => 0);
    const picks = Array.from({ length: instances }, () => [] as { t: number; node: number }[]);
    for (let t = 0; t < 10_000; t++) {
      const mine = picks[Math.floor(random() * instances)];
      const candidates = ids.map((id, i) => {
        const lastBeat = t < phase[i] ? -1 : Math.floor((t - phase[i]) / beatEvery) * beatEvery + phase[i];
        const reported = lastBeat < 0 ? 0 : history[i][lastBeat];
        const pending = mine.filter((p) => p.node === i && p.t >= lastBeat).length;
        return cand(node(id, reported, { capacity: 100_000, heartbeatAt: lastBeat }), pending);
      });
      const chosen = ids.indexOf(chooseNode(candidates, rule, random)!.node.nodeId);
      counts[chosen] += 1;
      mine.push({ t, node: chosen });
      for (let i = 0; i < ids.length; i++) history[i].push(counts[i]);
    }
    return Math.max(...counts) / (10_000 / ids.length);
  }

  it('p2c stays even (max/mean <= 1.01) for one auth instance over counts a heartbeat old', () => {
    for (const seed of [1, 2, 3]) expect(burst('p2c', 1, 2000, seed)).toBeLessThanOrEqual(1.01);
  });

  it('least-loaded herds when many instances read the same stale counts', () => {
    expect(burst('least-loaded', 128, 2000, 1)).toBeGreaterThan(1.1);
  });
});
