import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { instanceIdentity } from '../../../runtime/node/instance-identity';
import { Imds } from '../../../runtime/shared/imds';

describe('instanceIdentity', () => {
  it('reads the instance id and the public or private address through IMDSv2', async () => {
    const values: Record<string, string> = {
      '/latest/meta-data/instance-id': 'i-0abc',
      '/latest/meta-data/public-ipv4': '203.0.113.7',
      '/latest/meta-data/local-ipv4': '10.0.1.5\n',
    };
    const server = createServer((req, res) => {
      if (req.method === 'PUT' && req.url === '/latest/api/token') return void res.end('tok');
      if (req.headers['x-aws-ec2-metadata-token'] !== 'tok') return void res.writeHead(401).end();
      const value = values[req.url ?? ''];
      res.writeHead(value ? 200 : 404).end(value ?? '');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await expect(instanceIdentity('public', new Imds({ endpoint }))).resolves.toEqual({
        nodeId: 'i-0abc',
        host: '203.0.113.7',
      });
      await expect(instanceIdentity('private', new Imds({ endpoint }))).resolves.toEqual({
        nodeId: 'i-0abc',
        host: '10.0.1.5',
      });
    } finally {
      server.close();
    }
  });
});
