import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  InvalidChangeBatch,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import WebSocket from 'ws';
import { makeLocalCa } from '../../../runtime/local/tls-ca';
import { type RunningNode, startNodeService } from '../../../runtime/node/node-service';
import { publishName } from '../../../runtime/node/public-name';
import { nodeSettingsFromEnv } from '../../../runtime/node/settings';
import { issueToken, parseKeyRing } from '../../../runtime/token';
import { keyJson } from '../../helpers/keys';
import { MemoryRegistry } from '../../helpers/memory-registry';
import { silentLog } from '../../helpers/silent-log';
import { toolOrSkip } from '../haproxy/helpers/tools';

const ZONE_ID = 'Z0123456789ABCDEFGHIJ';
const ZONE = 'ws.example.com';
const CERT_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:wslb/direct-wildcard-AbCdEf';
const INSTANCE = 'i-0123456789abcdef0';
const PUBLIC_IP = '198.51.100.7';

/** An IMDSv2 stand-in on 127.0.0.1: token, instance id, public IPv4. */
async function startImds(): Promise<Server> {
  const values: Record<string, string> = {
    '/latest/meta-data/instance-id': INSTANCE,
    '/latest/meta-data/public-ipv4': PUBLIC_IP,
  };
  const server = createServer((req, res) => {
    if (req.method === 'PUT' && req.url === '/latest/api/token') {
      res.end('imds-token');
      return;
    }
    const value =
      req.headers['x-aws-ec2-metadata-token'] === 'imds-token' ? values[req.url ?? ''] : undefined;
    res.writeHead(value ? 200 : 404).end(value ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const record = (action: 'UPSERT' | 'DELETE') => ({
  HostedZoneId: ZONE_ID,
  ChangeBatch: {
    Comment: `wslb node ${INSTANCE}`,
    Changes: [
      {
        Action: action,
        ResourceRecordSet: {
          Name: `${INSTANCE}.${ZONE}`,
          Type: 'A' as const,
          TTL: 60,
          ResourceRecords: [{ Value: PUBLIC_IP }],
        },
      },
    ],
  },
});

// One mock per client class for the file: a second mockClient of the same class replaces the first.
const r53 = mockClient(Route53Client);
const sm = mockClient(SecretsManagerClient);
afterAll(() => {
  r53.restore();
  sm.restore();
});

const change = (Id: string, Status: 'PENDING' | 'INSYNC') => ({
  ChangeInfo: { Id, Status, SubmittedAt: new Date() },
});
const publish = (overrides: Partial<Parameters<typeof publishName>[0]> = {}) =>
  publishName({
    hostedZoneId: ZONE_ID,
    zoneName: ZONE,
    nodeId: INSTANCE,
    address: PUBLIC_IP,
    log: silentLog,
    pollMs: 10,
    ...overrides,
  });

describe('publishName', () => {
  afterEach(() => r53.reset());

  it('waits until the record is INSYNC before the name is used', async () => {
    r53.on(ChangeResourceRecordSetsCommand).resolves(change('/change/C1', 'PENDING'));
    r53
      .on(GetChangeCommand)
      .resolvesOnce(change('/change/C1', 'PENDING'))
      .resolves(change('/change/C1', 'INSYNC'));
    const name = await publish();
    expect(name.host).toBe(`${INSTANCE}.${ZONE}`);
    expect(r53.commandCalls(ChangeResourceRecordSetsCommand)[0]!.args[0].input).toEqual(record('UPSERT'));
    expect(r53.commandCalls(GetChangeCommand)).toHaveLength(2);
  });

  it('gives up when Route 53 does not get in sync in time', async () => {
    r53.on(ChangeResourceRecordSetsCommand).resolves(change('/change/C2', 'PENDING'));
    r53.on(GetChangeCommand).resolves(change('/change/C2', 'PENDING'));
    await expect(publish({ syncTimeoutMs: 50 })).rejects.toThrow(
      `Route 53 change /change/C2 for ${INSTANCE}.${ZONE} not in sync in time (PENDING)`,
    );
  });

  it('refuses a node id that is not one DNS label (the wildcard covers one)', async () => {
    await expect(publish({ nodeId: 'host.local-1' })).rejects.toThrow(
      'node id host.local-1 is not a DNS label',
    );
    expect(r53.calls()).toHaveLength(0);
  });

  it('removal of a record already gone is quiet; other failures are logged, never thrown', async () => {
    r53.on(ChangeResourceRecordSetsCommand, record('UPSERT')).resolves(change('/change/C3', 'INSYNC'));
    const name = await publish();
    r53.on(ChangeResourceRecordSetsCommand, record('DELETE')).rejects(
      new InvalidChangeBatch({
        message: `Tried to delete resource record set [name='${INSTANCE}.${ZONE}.', type='A'] but it was not found`,
        $metadata: {},
      }),
    );
    await expect(name.remove()).resolves.toBeUndefined();
    r53.on(ChangeResourceRecordSetsCommand, record('DELETE')).rejects(new Error('throttled'));
    await expect(name.remove()).resolves.toBeUndefined();
  });
});

const openssl = toolOrSkip('openssl', 'apt-get install -y openssl');

(openssl ? describe : describe.skip)(
  'a direct node with a name in the zone and the wildcard certificate',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'wslb-direct-tls-'));
    const sockets: WebSocket[] = [];
    let imds: Server;
    let node: RunningNode | undefined;
    const savedImds = process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;

    beforeAll(async () => {
      imds = await startImds();
      process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = `http://127.0.0.1:${(imds.address() as AddressInfo).port}/`;
    });
    afterAll(async () => {
      for (const ws of sockets) ws.terminate();
      await node?.stop();
      if (savedImds === undefined) delete process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
      else process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = savedImds;
      await new Promise((r) => imds.close(r));
      rmSync(dir, { recursive: true, force: true });
    });

    it('publishes its name, serves wss for it, takes a rotated certificate live, removes the name at drain', async () => {
      const cas = await Promise.all(
        ['one', 'two'].map((label) => {
          mkdirSync(join(dir, label));
          return makeLocalCa(join(dir, label), { openssl, label, names: [`DNS:*.${ZONE}`] });
        }),
      );
      const bundle = (i: number) => readFileSync(cas[i]!.bundleFile, 'utf8');
      const ca = (i: number) => readFileSync(cas[i]!.caFile, 'utf8');
      sm.on(GetSecretValueCommand, { SecretId: CERT_ARN }).resolves({ SecretString: bundle(0) });
      r53.on(ChangeResourceRecordSetsCommand).resolves(change('/change/C9', 'INSYNC'));
      const secret = keyJson('k1');
      writeFileSync(join(dir, 'token.json'), JSON.stringify(secret));
      const registry = new MemoryRegistry();
      node = await startNodeService(
        nodeSettingsFromEnv({
          HOST: '127.0.0.1',
          PORT: '0',
          ENDPOINT_SOURCE: 'imds-public',
          TOKEN_SECRET_FILE: join(dir, 'token.json'),
          REGISTRY_TABLE: 'wslb-nodes',
          HEARTBEAT_MS: '60000',
          DRAIN_SECONDS: '1',
          TLS_CERT_SECRET_ARN: CERT_ARN,
          TLS_REFRESH_SECONDS: '10',
          DNS_HOSTED_ZONE_ID: ZONE_ID,
          DNS_ZONE_NAME: ZONE,
        }),
        silentLog,
        registry,
      );
      const url = `wss://${INSTANCE}.${ZONE}:${node.port}`;
      expect(node.endpoint).toBe(url);
      expect(registry.beats[0]!.publicEndpoint).toBe(url);
      expect(r53.commandCalls(ChangeResourceRecordSetsCommand).map((c) => c.args[0].input)).toEqual([
        record('UPSERT'),
      ]);

      const { token } = await issueToken(parseKeyRing(JSON.stringify(secret)), {
        subject: 'alice',
        audience: INSTANCE,
      });
      // The name resolves to the node here as the record does on the internet; the hostname is checked.
      const open = (trusted: string) =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(url, ['wslb', `token.${token}`], {
            ca: [trusted],
            lookup: ((_host: string, options: { all?: boolean }, cb: (...args: unknown[]) => void) =>
              options.all
                ? cb(null, [{ address: '127.0.0.1', family: 4 }])
                : cb(null, '127.0.0.1', 4)) as never,
          });
          ws.once('open', () => resolve(ws));
          ws.once('error', reject);
        });
      const first = await open(ca(0));
      sockets.push(first);

      sm.on(GetSecretValueCommand, { SecretId: CERT_ARN }).resolves({ SecretString: bundle(1) });
      let second: WebSocket | undefined;
      for (let i = 0; i < 60 && !second; i++) {
        second = await open(ca(1)).catch(() => undefined);
        if (!second) await new Promise((r) => setTimeout(r, 500));
      }
      expect(second).toBeDefined();
      sockets.push(second!);
      await expect(open(ca(0))).rejects.toThrow();
      // Opened before the rotation, still open.
      expect(first.readyState).toBe(WebSocket.OPEN);

      await node.drain();
      expect(r53.commandCalls(ChangeResourceRecordSetsCommand).map((c) => c.args[0].input)).toEqual([
        record('UPSERT'),
        record('DELETE'),
      ]);
    }, 90_000);
  },
);
