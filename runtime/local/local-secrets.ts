import { randomBytes } from 'node:crypto';
import { hashPassword } from '../auth/password-hash';
import type { RunDir } from './run-dir';

export interface LocalSecrets {
  tokenSecretFile: string;
  usersFile: string;
  demoUser: { username: string; password: string };
  /** Present when asked for: a user whose hash is cheap enough for thousands of logins a second (benchmarks). */
  benchUser?: { username: string; password: string };
}

/** A fresh token key and one demo user per run. The demo hash is cheap (N=2^10, not the production 2^17) so a 1,000-client demo logs in within seconds. */
export async function createLocalSecrets(
  dir: RunDir,
  options: { benchUserScryptN?: number } = {},
): Promise<LocalSecrets> {
  const tokenSecretFile = dir.writeSecret(
    'token-secret.json',
    JSON.stringify({ kid: 'local-1', secret: randomBytes(32).toString('base64url') }),
  );
  const demoUser = { username: 'demo', password: randomBytes(9).toString('base64url') };
  const hash = await hashPassword(demoUser.password, { N: 2 ** 10, r: 8, p: 1 });
  const users: Record<string, string> = { [demoUser.username]: hash };
  let benchUser: LocalSecrets['benchUser'];
  if (options.benchUserScryptN !== undefined) {
    benchUser = { username: 'bench', password: randomBytes(9).toString('base64url') };
    users[benchUser.username] = await hashPassword(benchUser.password, {
      N: options.benchUserScryptN,
      r: 8,
      p: 1,
    });
  }
  const usersFile = dir.writeSecret('users.json', JSON.stringify({ users }));
  return { tokenSecretFile, usersFile, demoUser, benchUser };
}
