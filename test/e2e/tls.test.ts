import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import type { Strategy } from '../../runtime/contract/strategies';
import { parseLocalArgs } from '../../runtime/local/args';
import { ClientFleet } from '../../runtime/local/client-fleet';
import { LocalCluster } from '../../runtime/local/local-cluster';
import { toolOrSkip } from '../runtime/haproxy/helpers/tools';

jest.setTimeout(120_000);

const CLIENTS = 30;
const openssl = toolOrSkip('openssl', 'apt-get install -y openssl');
const haproxy = toolOrSkip('haproxy', 'apt-get install -y haproxy');

/** Logs in through the local auth service: the URL it hands out and a token for it. */
async function login(cluster: LocalCluster): Promise<{ url: string; token: string }> {
  const res = await fetch(`${cluster.authUrl}/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(cluster.credentials),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { url: string; token: string };
}

/** Opens the handed-out URL; resolves 'open', or the error's message (a refused certificate). */
function tryOpen(url: string, token: string, ca?: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, ['wslb', `token.${token}`], ca ? { ca } : {});
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('error', (error) => resolve(error.message));
  });
}

const strategies: Strategy[] = ['direct', 'haproxy', 'nlb'];

describe.each(strategies)('npm start -- --tls, strategy %s', (strategy) => {
  const needs = strategy === 'direct' ? openssl : openssl && haproxy;
  let cluster: LocalCluster | undefined;
  let fleet: ClientFleet | undefined;

  afterAll(async () => {
    fleet?.closeAll();
    await cluster?.stop();
  });

  (needs ? it : it.skip)(
    'hands out wss://, the clients that trust the run’s CA connect, a client that does not is refused',
    async () => {
      cluster = await LocalCluster.start({ strategy, nodes: 2, tls: true });
      const ca = readFileSync(cluster.tlsCaFile!);
      const { url, token } = await login(cluster);
      expect(url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
      expect(await tryOpen(url, token)).toMatch(/self[- ]signed certificate|unable to verify|certificate/i);
      expect(await tryOpen(url, token, ca)).toBe('open');

      fleet = new ClientFleet({
        authUrl: cluster.authUrl,
        credentials: cluster.credentials,
        wsOptions: { ca },
      });
      expect(await fleet.open(CLIENTS)).toEqual({ connected: CLIENTS, failed: 0, failures: {} });
      // Every node answers its health check (over https under direct).
      await new Promise((r) => setTimeout(r, 300));
      const counts = await cluster.nodeCounts();
      expect(counts.map((n) => n.state)).toEqual(['active', 'active']);
      expect(counts.reduce((sum, n) => sum + n.connections, 0)).toBe(CLIENTS);
      // Spread over both nodes (the nlb stand-in's random pick too: 30 flows on one of two is 2 in 2^30).
      expect(counts.every((n) => n.connections > 0)).toBe(true);
    },
  );
});

describe('--tls flags', () => {
  it('is off by default; refused with a switch between direct and a balancer, naming --tls', () => {
    expect(parseLocalArgs(['--tls']).tls).toBe(true);
    expect(parseLocalArgs([]).tls).toBe(false);
    expect(parseLocalArgs(['--tls', '--strategy', 'haproxy', '--switch-to', 'nlb']).tls).toBe(true);
    expect(() => parseLocalArgs(['--tls', '--switch-to', 'haproxy'])).toThrow(
      /^--tls: not with a --switch-to between direct and a balancer/,
    );
    expect(() => parseLocalArgs(['--tls', '--strategy', 'nlb', '--switch-to', 'direct'])).toThrow(/^--tls: /);
  });
});
