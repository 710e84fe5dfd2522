import { readFile } from 'node:fs/promises';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsClientConfig } from './aws-client';

/**
 * Where a secret comes from: a Secrets Manager ARN in AWS, a file (mode 0600) locally.
 * Secrets never travel in plain environment variables.
 */
export type SecretSource = { kind: 'secrets-manager'; arn: string } | { kind: 'file'; path: string };

export function secretSourceFromEnv(
  arn: string | undefined,
  file: string | undefined,
  what: string,
): SecretSource {
  if (arn) return { kind: 'secrets-manager', arn };
  if (file) return { kind: 'file', path: file };
  throw new Error(`${what}: set either the Secrets Manager ARN or the file variable`);
}

export async function readSecret(source: SecretSource, client?: SecretsManagerClient): Promise<string> {
  if (source.kind === 'file') return readFile(source.path, 'utf8');
  const sm = client ?? new SecretsManagerClient(awsClientConfig());
  const out = await sm.send(new GetSecretValueCommand({ SecretId: source.arn }));
  if (!out.SecretString) throw new Error(`secret ${source.arn} has no SecretString`);
  return out.SecretString;
}
