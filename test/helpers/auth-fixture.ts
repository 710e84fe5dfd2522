import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '../../runtime/auth/password-hash';
import { keyJson } from './keys';

export interface AuthFiles {
  dir: string;
  tokenSecretFile: string;
  usersFile: string;
  tokenSecretJson: string;
  remove(): void;
}

/** A token secret and a users file with alice/wonderland (cheap scrypt cost, for tests). */
export async function writeAuthFiles(): Promise<AuthFiles> {
  const dir = mkdtempSync(join(tmpdir(), 'wslb-test-'));
  const tokenSecretJson = JSON.stringify(keyJson('t1'));
  const tokenSecretFile = join(dir, 'token.json');
  const usersFile = join(dir, 'users.json');
  writeFileSync(tokenSecretFile, tokenSecretJson, { mode: 0o600 });
  const hash = await hashPassword('wonderland', { N: 2 ** 10, r: 8, p: 1 });
  writeFileSync(usersFile, JSON.stringify({ users: { alice: hash } }), { mode: 0o600 });
  return {
    dir,
    tokenSecretFile,
    usersFile,
    tokenSecretJson,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
