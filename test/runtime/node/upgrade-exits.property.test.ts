import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type WebSocket from 'ws';
import { NodeRig } from '../../../harness/node-rig';
import { bundleNodeService } from '../../../runtime/local/node-bundle';
import type { NodeProcess } from '../../../runtime/local/node-process';
import { DynamoDbRegistry } from '../../../runtime/registry';
import { issueToken, parseKeyRing, type TokenKeyRing } from '../../../runtime/token';
import { rawRequest, upgradeRequest } from '../../helpers/raw-http';
import { tryOpen } from '../../helpers/ws-client';

/**
 * Issue 17, fault 1, as a property: after any sequence of good, spoiled, aborted and timed-out upgrades against
 * a real node process, the node holds exactly the good ones still open (admission is one tick: nothing is ever in
 * flight), says so on
 * /healthz and in the registry, and accepts a good upgrade whenever it holds fewer than its cap.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const CAP = 3;
jest.setTimeout(300_000);

let dir: string;
let rig: NodeRig;
let node: NodeProcess;
let keys: TokenKeyRing;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wslb-exits-'));
  rig = await NodeRig.start(bundleNodeService(dir));
  // With permessage-deflate on, `ws` also parses the extension offer: one more way to be refused after the token.
  node = await rig.startNode('exits-1', CAP, { PING_SECONDS: '3600', PERMESSAGE_DEFLATE: 'true' });
  keys = parseKeyRing(readFileSync(rig.secrets.tokenSecretFile, 'utf8'));
});
afterAll(async () => {
  await rig?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const token = async () => (await issueToken(keys, { subject: 'prop', audience: node.nodeId })).token;
const url = () => `ws://127.0.0.1:${node.port}`;
const health = async () =>
  (await (await fetch(`${url().replace('ws', 'http')}/healthz`)).json()) as {
    connections: number;
  };

/** Ways a request that carries a valid token can still be wrong as a WebSocket handshake. */
const SPOILS: Record<string, (t: string) => Record<string, string | undefined>> = {
  'version 12': () => ({ 'Sec-WebSocket-Version': '12' }),
  'short key': () => ({ 'Sec-WebSocket-Key': 'c2hvcnQ=' }),
  'no key': () => ({ 'Sec-WebSocket-Key': undefined }),
  'upgrade h2c': () => ({ Upgrade: 'h2c' }),
  'token-only protocol': (t) => ({ 'Sec-WebSocket-Protocol': `token.${t}` }),
  'duplicate protocol': (t) => ({ 'Sec-WebSocket-Protocol': `wslb, wslb, token.${t}` }),
  'bad extension': () => ({ 'Sec-WebSocket-Extensions': 'permessage-deflate; ;;' }),
};

type Step =
  | { kind: 'good' }
  | { kind: 'close' }
  | { kind: 'spoiled'; spoil: string }
  | { kind: 'half-closed' }
  | { kind: 'aborted'; afterMs: number }
  | { kind: 'timed-out'; afterMs: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'good' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'close' as const }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(...Object.keys(SPOILS)).map((spoil) => ({ kind: 'spoiled' as const, spoil })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'half-closed' as const }) },
  { weight: 1, arbitrary: fc.nat(5).map((afterMs) => ({ kind: 'aborted' as const, afterMs })) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 50 }).map((afterMs) => ({ kind: 'timed-out' as const, afterMs })),
  },
);

/** Writes `payload` and destroys the socket after `afterMs`, whatever came back. */
function writeThenDrop(payload: string, afterMs: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(node.port, '127.0.0.1', () => {
      socket.write(payload);
      setTimeout(() => socket.destroy(), afterMs);
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve());
  });
}

async function run(s: Step, held: WebSocket[]): Promise<void> {
  const t = await token();
  switch (s.kind) {
    case 'good': {
      const result = await tryOpen(`${url()}/?token=${t}`);
      if (held.length < CAP) {
        expect(result.status).toBeUndefined();
        held.push(result.ws!);
      } else {
        result.ws?.terminate();
        expect(result).toEqual({ status: 503, body: 'full' });
      }
      return;
    }
    case 'close': {
      const ws = held.shift();
      if (!ws) return;
      await new Promise((resolve) => {
        ws.once('close', resolve);
        ws.close();
      });
      return;
    }
    case 'spoiled': {
      const status = await rawRequest(
        node.port,
        upgradeRequest(`/?token=${t}`, SPOILS[s.spoil](t)),
        5000,
        false,
      );
      // Refused before any socket is kept; at the cap, the cap may answer first.
      expect(held.length < CAP ? [400] : [400, 503]).toContain(status);
      return;
    }
    case 'half-closed': {
      // A FIN that arrives after the token check meets an open WebSocket, which then closes: a 101 is right too.
      expect([0, 101, 400, 503]).toContain(
        await rawRequest(node.port, upgradeRequest(`/?token=${t}`), 5000, true),
      );
      // A WebSocket that got its 101 counts until the node has read the close; the next step waits for that.
      await settled(held.length);
      return;
    }
    case 'aborted':
      await writeThenDrop(upgradeRequest(`/?token=${t}`), s.afterMs);
      await settled(held.length);
      return;
    case 'timed-out': {
      // Headers that never end: the client gives up first, or the node's header timeout cuts it.
      const partial = upgradeRequest(`/?token=${t}`).slice(0, -2);
      return writeThenDrop(partial, s.afterMs);
    }
  }
}

/** The node settles within a bounded wait; nothing here depends on how fast. */
async function settled(held: number): Promise<{ connections: number }> {
  let last = await health();
  for (let i = 0; i < 100 && last.connections !== held; i++) {
    await new Promise((r) => setTimeout(r, 50));
    last = await health();
  }
  return { connections: last.connections };
}

describe('upgrade exits against a real node process (cap 3)', () => {
  it(`holds exactly the open good upgrades after ${RUNS} generated sequences`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        const held: WebSocket[] = [];
        try {
          for (const s of steps) await run(s, held);
          expect(await settled(held.length)).toEqual({ connections: held.length });
          if (held.length < CAP) {
            const good = await tryOpen(`${url()}/?token=${await token()}`);
            expect(good.status).toBeUndefined();
            held.push(good.ws!);
          }
        } finally {
          await Promise.all(
            held.map((ws) => new Promise((resolve) => ws.once('close', resolve) && ws.terminate())),
          );
          await settled(0);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('the registry agrees with /healthz once the spoiled ones are gone', async () => {
    const held: WebSocket[] = [];
    try {
      for (const spoil of Object.keys(SPOILS)) await run({ kind: 'spoiled', spoil }, held);
      await run({ kind: 'half-closed' }, held);
      await run({ kind: 'good' }, held);
      expect(await settled(1)).toEqual({ connections: 1 });
      const registry = new DynamoDbRegistry({
        tableName: rig.registry.tableName,
        endpoint: rig.registry.endpoint,
      });
      let entry: { connections: number } | undefined;
      for (let i = 0; i < 60 && entry?.connections !== 1; i++) {
        await new Promise((r) => setTimeout(r, 100));
        entry = (await registry.list()).find((n) => n.nodeId === node.nodeId);
      }
      expect(entry).toMatchObject({ connections: 1, capacity: CAP, state: 'active' });
    } finally {
      for (const ws of held) ws.terminate();
    }
  });
});
