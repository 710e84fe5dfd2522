import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SecretsStandIn {
  /** For `AWS_ENDPOINT_URL_SECRETS_MANAGER`. */
  endpoint: string;
  /** Every GetSecretValue asked for, by SecretId, in order. */
  requests: string[];
  /** Replace a secret's value (as a rotation does). */
  put(arn: string, value: string): void;
  close(): Promise<void>;
}

/**
 * Secrets Manager's `GetSecretValue` (AWS JSON 1.1 protocol) on 127.0.0.1, answering from `secrets`
 * by ARN; anything else is the error the real service gives. Signatures are not checked.
 */
export async function startSecretsStandIn(secrets: Record<string, string>): Promise<SecretsStandIn> {
  const values = new Map(Object.entries(secrets));
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(body));
      };
      if (req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
        answer(400, { __type: 'UnknownOperationException', message: `${req.headers['x-amz-target']}` });
        return;
      }
      let id = '';
      try {
        id = String((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { SecretId?: unknown }).SecretId);
      } catch {
        answer(400, { __type: 'SerializationException', message: 'body is not JSON' });
        return;
      }
      requests.push(id);
      const value = values.get(id);
      if (value === undefined) {
        answer(400, {
          __type: 'ResourceNotFoundException',
          message: "Secrets Manager can't find the specified secret.",
        });
        return;
      }
      answer(200, {
        ARN: id,
        Name: id.split(':').pop(),
        SecretString: value,
        VersionId: 'v1',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: Date.now() / 1000,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    put: (arn, value) => values.set(arn, value),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
