import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClientFleet } from '../../../runtime/local/client-fleet';
import { toSummary } from '../../../runtime/local/summary';

/** An auth service that answers every login with `status`. */
async function authAnswering(status: number): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end(JSON.stringify({ error: `answered ${status}` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('ClientFleet.open failures', () => {
  const servers: Server[] = [];
  const fleets: ClientFleet[] = [];
  afterEach(async () => {
    for (const f of fleets.splice(0)) f.closeAll();
    await Promise.all(
      servers.splice(0).map((s) => {
        s.closeAllConnections();
        return new Promise((r) => s.close(r));
      }),
    );
  });

  it('counts each client that did not open once, by its reason', async () => {
    const refused = await authAnswering(401);
    const busy = await authAnswering(503);
    servers.push(refused.server, busy.server);
    const credentials = { username: 'u', password: 'p' };
    const a = new ClientFleet({ authUrl: refused.url, credentials, openTimeoutMs: 3_000 });
    const b = new ClientFleet({ authUrl: busy.url, credentials, openTimeoutMs: 1_500 });
    fleets.push(a, b);

    const bad = await a.open(3);
    expect(bad.connected).toBe(0);
    expect(bad.failed).toBe(3);
    expect(Object.values(bad.failures).reduce((x, y) => x + y, 0)).toBe(3);
    expect(Object.keys(bad.failures)).toEqual([expect.stringMatching(/401/)]);

    const slow = await b.open(2);
    expect(slow.failed).toBe(2);
    expect(slow.failures).toEqual({ [Object.keys(slow.failures)[0]!]: 2 });
    expect(Object.keys(slow.failures)[0]).toMatch(/^not open within 1\.5 s \(last: .*503/);
  });

  it('puts failures in the summary only when some clients failed', () => {
    const auth = { instances: 1, sessions: 0, registryItemsRead: 0 };
    expect(toSummary('direct', 2, 2, [], auth).clients).toEqual({ requested: 2, connected: 2, failed: 0 });
    expect(toSummary('direct', 2, 1, [], auth, { 'auth unavailable (503)': 1 }).clients).toEqual({
      requested: 2,
      connected: 1,
      failed: 1,
      failures: { 'auth unavailable (503)': 1 },
    });
  });
});
