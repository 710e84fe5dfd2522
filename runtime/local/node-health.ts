import { readFile } from 'node:fs/promises';
import { get as httpsGet } from 'node:https';
import { buildUrl } from '../contract/url';
import type { NodeProcess } from './node-process';
import type { LocalCa } from './tls-ca';

/** A node's `/healthz` answer, over https with this run's CA when the nodes serve wss. */
export async function healthOf(node: NodeProcess, tls: LocalCa | undefined): Promise<unknown> {
  if (!tls) {
    const res = await fetch(buildUrl('http', '127.0.0.1', node.port, '/healthz'), {
      signal: AbortSignal.timeout(2000),
    });
    return res.json();
  }
  const ca = await readFile(tls.caFile);
  return new Promise((resolve, reject) => {
    const req = httpsGet(
      buildUrl('https', '127.0.0.1', node.port, '/healthz'),
      { ca, timeout: 2000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          try {
            resolve(JSON.parse(text));
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('no /healthz answer within 2 s')));
    req.on('error', reject);
  });
}
