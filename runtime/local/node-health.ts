import { readFile } from 'node:fs/promises';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { buildUrl } from '../contract/url';
import type { NodeProcess } from './node-process';
import type { LocalCa } from './tls-ca';

/**
 * A node's `/healthz` answer, over https with this run's CA when the nodes serve wss. On a connection of its
 * own that closes with the answer (`agent: false`): a pooled keep-alive connection would stay established to
 * the node's port and be counted as a client in the summary's `peers`.
 */
export async function healthOf(node: NodeProcess, tls: LocalCa | undefined): Promise<unknown> {
  const ca = tls ? await readFile(tls.caFile) : undefined;
  const url = buildUrl(tls ? 'https' : 'http', '127.0.0.1', node.port, '/healthz');
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage) => {
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
    };
    const req = ca
      ? httpsGet(url, { ca, timeout: 2000, agent: false }, onResponse)
      : httpGet(url, { timeout: 2000, agent: false }, onResponse);
    req.on('timeout', () => req.destroy(new Error('no /healthz answer within 2 s')));
    req.on('error', reject);
  });
}
