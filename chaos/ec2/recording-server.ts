import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PairCloud } from './autoscaling-state';
import { answer, type Ec2Call, type Ec2State } from './ec2-state';

/** Auto Scaling's Query API version: a form body carrying it is an Auto Scaling call, not EC2. */
const AUTOSCALING_VERSION = '2011-01-01';

/**
 * A stand-in EC2 endpoint for the failover program's real `@aws-sdk/client-ec2`: it parses the Query
 * API's form body, records every call, keeps the VIP/EIP state and answers in EC2's XML. With a
 * {@link PairCloud} it also answers Auto Scaling's Query API and each pair instance's IMDS.
 * Run as a process inside a namespace: `ip netns exec <ns> node --import tsx recording-server.ts <host>`;
 * it prints its port, then one JSON line per call on stdout.
 */
export function startRecorder(
  host: string,
  state: Ec2State,
  onCall: (call: Ec2Call) => void,
  cloud?: PairCloud,
): Promise<{ port: number; close: () => void }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      // IMDS of one instance of the pair: /imds/<instance id>/latest/…
      const imds = /^\/imds\/([^/]+)\/(.*)$/.exec(req.url ?? '');
      if (imds && cloud) {
        const out = cloud.imds(imds[1]!, imds[2]!, req.method ?? 'GET');
        res.writeHead(out.status, { 'content-type': 'text/plain' }).end(out.body);
        return;
      }
      const params = Object.fromEntries(new URLSearchParams(body));
      const { Action: action = '', Version: version, ...rest } = params;
      const at = Date.now();
      const out =
        cloud && version === AUTOSCALING_VERSION ? cloud.answer(action, rest) : answer(state, action, rest);
      onCall({ at, action, params: rest, status: out.status });
      res.writeHead(out.status, { 'content-type': 'text/xml' }).end(out.body);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, host, () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () => {
          server.close();
          server.closeAllConnections();
        },
      }),
    ),
  );
}

if (require.main === module) {
  const [host, vip, eni] = process.argv.slice(2);
  const state: Ec2State = {
    privateIps: new Map([[vip, eni]]),
    address: { allocationId: 'eipalloc-0c4a05e1', publicIp: '198.18.255.1', eni, privateIp: vip },
  };
  void startRecorder(host, state, (call) => process.stdout.write(`${JSON.stringify(call)}\n`)).then(
    ({ port }) => process.stdout.write(`${JSON.stringify({ port })}\n`),
  );
  setTimeout(() => process.exit(0), 600_000).unref();
}
