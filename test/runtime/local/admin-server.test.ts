import type { Strategy } from '../../../runtime/contract/strategies';
import { type AdminServer, startAdminServer } from '../../../runtime/local/admin-server';
import { RetireRefusedError, type Switchable } from '../../../runtime/local/switch-run';

/** A cluster mid-switch from haproxy to direct whose old path still holds `left` clients (by node). */
class SwitchingCluster implements Switchable {
  currentPath: { strategy: Strategy; retiring?: Strategy } = { strategy: 'direct', retiring: 'haproxy' };
  left: Record<string, number> = { 'node-1': 3, 'node-2': 1 };
  readonly retireCalls: { force?: boolean }[] = [];
  pathOf = () => undefined;
  switchTo = async () => {};
  async retire(options: { force?: boolean } = {}): Promise<Strategy | undefined> {
    this.retireCalls.push(options);
    const old = this.currentPath.retiring;
    if (!old) return undefined;
    if (!options.force && Object.keys(this.left).length > 0) throw new RetireRefusedError(old, this.left);
    this.currentPath = { strategy: this.currentPath.strategy };
    return old;
  }
}

describe('POST /retire refuses while clients are on the old path', () => {
  let cluster: SwitchingCluster;
  let admin: AdminServer;
  beforeEach(async () => {
    cluster = new SwitchingCluster();
    admin = await startAdminServer(cluster);
  });
  afterEach(() => admin.close());

  const retire = async (body?: string) => {
    const res = await fetch(`${admin.url}/retire`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('409 with the path and the clients each node still holds; the path keeps running', async () => {
    expect(await retire()).toEqual({
      status: 409,
      body: {
        error:
          'haproxy still holds 4 clients (node-1: 3, node-2: 1): wait until the move has ended, or retire ' +
          'with force to cut them (they reconnect through auth)',
        retiring: 'haproxy',
        clients: { 'node-1': 3, 'node-2': 1 },
      },
    });
    expect(cluster.currentPath).toEqual({ strategy: 'direct', retiring: 'haproxy' });
  });

  it('retires once the old path is empty, with an empty body or {}; again with nothing retiring: 200 null', async () => {
    cluster.left = {};
    expect(await retire('{}')).toEqual({ status: 200, body: { retired: 'haproxy' } });
    expect(await retire()).toEqual({ status: 200, body: { retired: null } });
  });

  it('{"force":true} retires it anyway', async () => {
    expect(await retire('{"force":true}')).toEqual({ status: 200, body: { retired: 'haproxy' } });
    expect(cluster.retireCalls).toEqual([{ force: true }]);
  });

  it.each([
    ['{"force":"yes"}', 'body.force: Invalid input: expected boolean, received string'],
    ['{"forced":true}', 'body: Unrecognized key: "forced"'],
    ['{"force":true,"now":1}', 'body: Unrecognized key: "now"'],
    ['[]', 'body: Invalid input: expected object, received array'],
    ['null', 'body: Invalid input: expected object, received null'],
  ])('400 for the body %s, naming the fault; nothing retired', async (b, fault) => {
    expect(await retire(b)).toEqual({
      status: 400,
      body: { error: `${fault}; POST /retire wants an empty body, {} or {"force":true}` },
    });
    expect(cluster.retireCalls).toEqual([]);
  });

  it('400 for a body that is not JSON', async () => {
    const { status, body } = await retire('force');
    expect(status).toBe(400);
    expect(body.error).toMatch(/^body is not JSON \(.+\); POST \/retire wants/);
    expect(cluster.retireCalls).toEqual([]);
  });
});
