import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Imds, sourceIpsFromInterface } from '../../../../runtime/haproxy/discovery/imds';

describe('Imds (IMDSv2) against a loopback stand-in', () => {
  let server: Server;
  let endpoint: string;
  const seen: string[] = [];
  const data: Record<string, string> = {
    '/latest/meta-data/mac': '0e:11:22:33:44:55',
    '/latest/meta-data/instance-id': 'i-0abc',
    '/latest/meta-data/network/interfaces/macs/0e:11:22:33:44:55/interface-id': 'eni-0aaa',
    '/latest/meta-data/network/interfaces/macs/0e:11:22:33:44:55/local-ipv4s':
      '10.0.0.5\n10.0.0.100\n10.0.0.11\n',
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.method === 'PUT' && req.url === '/latest/api/token') {
        if (req.headers['x-aws-ec2-metadata-token-ttl-seconds'] !== '21600')
          return void res.writeHead(400).end();
        return void res.end('tok-1');
      }
      if (req.headers['x-aws-ec2-metadata-token'] !== 'tok-1') return void res.writeHead(401).end();
      const body = data[req.url ?? ''];
      if (body === undefined) return void res.writeHead(404).end();
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('gets a session token once, then reads the ENI id and its private IPs with it', async () => {
    const imds = new Imds({ endpoint });
    expect(await imds.primaryInterfaceId()).toBe('eni-0aaa');
    expect(await imds.privateIpv4s()).toEqual(['10.0.0.5', '10.0.0.100', '10.0.0.11']);
    expect(await imds.instanceId()).toBe('i-0abc');
    expect(seen.filter((s) => s.startsWith('PUT'))).toEqual(['PUT /latest/api/token']);
    await expect(imds.get('nothing-here')).rejects.toThrow('IMDS nothing-here: HTTP 404');
  });

  it('never uses the VIP as a source address', () => {
    expect(sourceIpsFromInterface(['10.0.0.5', '10.0.0.100', '10.0.0.11'], '10.0.0.100')).toEqual([
      '10.0.0.5',
      '10.0.0.11',
    ]);
  });
});
