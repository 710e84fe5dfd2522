import type { NodeServer } from '../../../runtime/node/node-server';
import { issueToken } from '../../../runtime/token';
import { testKeyRing } from '../../helpers/keys';
import { rawRequest, upgradeRequest } from '../../helpers/raw-http';
import { testNodeServer } from '../../helpers/test-node';
import { tryOpen } from '../../helpers/ws-client';

const keys = testKeyRing();
let server: NodeServer;
let port: number;
const held: { terminate(): void }[] = [];

beforeEach(async () => {
  server = testNodeServer(keys, { maxConnections: 3 });
  port = await server.listen('127.0.0.1', 0);
});
afterEach(async () => {
  for (const ws of held.splice(0)) ws.terminate();
  await server.close();
});

const token = async () => (await issueToken(keys, { subject: 'alice', audience: 'node-1' })).token;
const health = async () =>
  (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as {
    connections: number;
  };
const metric = async (name: string) => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(name))
    .join('\n');
};

/** Every answer the node gives a spoiled request carrying a valid token, and it holds nothing after. */
describe('a spoiled handshake with a valid token releases what it took (issue 17, fault 1)', () => {
  const spoiled: [string, (t: string) => Record<string, string | undefined>, boolean, number[]][] = [
    ['Sec-WebSocket-Version: 12', () => ({ 'Sec-WebSocket-Version': '12' }), false, [400]],
    ['a Sec-WebSocket-Key of 8 bytes', () => ({ 'Sec-WebSocket-Key': 'AAAAAAAAAAA=' }), false, [400]],
    ['no Sec-WebSocket-Key', () => ({ 'Sec-WebSocket-Key': undefined }), false, [400]],
    ['Upgrade: h2c', () => ({ Upgrade: 'h2c' }), false, [400]],
    // A FIN that arrives after the (one-tick) admission meets an open WebSocket, which then closes.
    ['a correct request half-closed before the answer', () => ({}), true, [0, 101, 400]],
  ];
  it.each(spoiled)(
    '%s: three of them leave a node with cap 3 able to accept',
    async (_what, headers, halfClose, statuses) => {
      const t = await token();
      for (let i = 0; i < 3; i++) {
        const status = await rawRequest(port, upgradeRequest(`/?token=${t}`, headers(t)), 5000, halfClose);
        expect(statuses).toContain(status);
      }
      const good = await tryOpen(`ws://127.0.0.1:${port}/?token=${await token()}`);
      if (good.ws) held.push(good.ws);
      expect(good.status).toBeUndefined();
      expect(await health()).toMatchObject({ connections: 1 });
      expect(server.openConnections).toBe(1);
    },
  );

  it('a node holding 0 is never full: 3 × 20 spoiled upgrades, then 3 good ones all accepted', async () => {
    const t = await token();
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        rawRequest(port, upgradeRequest(`/?token=${t}`, spoiled[i % 5][1](t)), 5000, spoiled[i % 5][2]),
      ),
    );
    expect(await health()).toMatchObject({ connections: 0 });
    for (let i = 0; i < 3; i++) {
      const good = await tryOpen(`ws://127.0.0.1:${port}/?token=${await token()}`);
      if (good.ws) held.push(good.ws);
      expect(good.status).toBeUndefined();
    }
    expect((await tryOpen(`ws://127.0.0.1:${port}/?token=${await token()}`)).body).toBe('full');
  });
});

/** A 101 the client must then fail is worse than a refusal: it is counted as accepted and costs a socket. */
describe('a handshake the client would fail after the upgrade is refused before it (issue 17, fault 3)', () => {
  it.each([
    ['only token.<jwt> offered', (t: string) => `token.${t}`],
    ['another protocol and the token', (t: string) => `chat, token.${t}`],
    ['wslb offered twice', (t: string) => `wslb, wslb, token.${t}`],
    ['an invalid protocol token', (t: string) => `wslb, token.${t}, a b`],
    ['an empty list element', (t: string) => `wslb,, token.${t}`],
  ])('%s: 400, not counted as accepted', async (_what, protocols) => {
    const t = await token();
    const status = await rawRequest(
      port,
      upgradeRequest('/', { 'Sec-WebSocket-Protocol': protocols(t) }),
      5000,
      false,
    );
    expect(status).toBe(400);
    expect(server.openConnections).toBe(0);
    expect(await metric('wslb_node_accepted_total')).toBe('wslb_node_accepted_total 0');
  });

  it('a token in the query with only an unknown protocol offered: 400', async () => {
    const status = await rawRequest(
      port,
      upgradeRequest(`/?token=${await token()}`, { 'Sec-WebSocket-Protocol': 'chat' }),
      5000,
      false,
    );
    expect(status).toBe(400);
  });

  it('the refusal names the cause, and a browser-shaped offer still selects wslb', async () => {
    const refused = await tryOpen(`ws://127.0.0.1:${port}`, { protocols: [`token.${await token()}`] });
    expect(refused).toEqual({ status: 400, body: 'bad-protocol' });
    const ok = await tryOpen(`ws://127.0.0.1:${port}`, { protocols: ['wslb', `token.${await token()}`] });
    held.push(ok.ws!);
    expect(ok.ws!.protocol).toBe('wslb');
    expect(await metric('wslb_node_rejected_total')).toMatch(/reason="bad-protocol"} 1/);
  });
});
