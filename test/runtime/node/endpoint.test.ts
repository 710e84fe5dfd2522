import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningNode, startNodeService } from '../../../runtime/node/node-service';
import { nodeSettingsFromEnv } from '../../../runtime/node/settings';
import { issueToken, parseKeyRing } from '../../../runtime/token';
import { keyJson } from '../../helpers/keys';
import { MemoryRegistry } from '../../helpers/memory-registry';
import { silentLog } from '../../helpers/silent-log';
import { closed, nextMessage, tryOpen } from '../../helpers/ws-client';

const dir = mkdtempSync(join(tmpdir(), 'wslb-endpoint-'));
const secret = keyJson('k1');
const keys = parseKeyRing(JSON.stringify(secret));
writeFileSync(join(dir, 'token.json'), JSON.stringify(secret));
const nodes: RunningNode[] = [];
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.stop();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function start(host: string) {
  const registry = new MemoryRegistry();
  const settings = nodeSettingsFromEnv({
    HOST: host,
    PORT: '0',
    NODE_ID: 'n1',
    TOKEN_SECRET_FILE: join(dir, 'token.json'),
    REGISTRY_TABLE: 'wslb-nodes',
    HEARTBEAT_MS: '60000',
  });
  const node = await startNodeService(settings, silentLog, registry);
  nodes.push(node);
  return { node, registry };
}

/** Opens `url` with a valid token and checks one echo. */
async function echoes(url: string): Promise<boolean> {
  const { token } = await issueToken(keys, { subject: 'alice', audience: 'n1' });
  const { ws } = await tryOpen(url, { protocols: ['wslb', `token.${token}`] });
  if (!ws) return false;
  const reply = nextMessage(ws);
  ws.send('hi');
  const ok = (await reply) === 'hi';
  const done = closed(ws);
  ws.close();
  await done;
  return ok;
}

describe('the endpoint a node registers', () => {
  it('brackets an IPv6 listen address (a node on ::1 registered ws://::1:PORT), and clients reach it', async () => {
    const { node, registry } = await start('::1');
    expect(node.endpoint).toBe(`ws://[::1]:${node.port}`);
    expect(registry.beats[0].endpoint).toBe(node.endpoint);
    // A node clients reach as it is (ENDPOINT_SOURCE=listen) advertises it as its public endpoint.
    expect(registry.beats[0].publicEndpoint).toBe(node.endpoint);
    expect(registry.beats[0].connectionsByPath).toEqual({});
    expect(new URL(node.endpoint).hostname).toBe('[::1]');
    expect(await echoes(node.endpoint)).toBe(true);
  });

  it('listens on both families with HOST=:: (what the direct stack gives its IPv6-addressed nodes)', async () => {
    const { node } = await start('::');
    expect(await echoes(`ws://127.0.0.1:${node.port}`)).toBe(true);
    expect(await echoes(`ws://[::1]:${node.port}`)).toBe(true);
  });
});
