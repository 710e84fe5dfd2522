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
  /** The auth service's variables for these files (with the cheap scrypt cost the users file uses). */
  env: Record<string, string>;
  remove(): void;
}

/** The users file's scrypt cost: cheap, for tests. */
export const TEST_SCRYPT = { N: 2 ** 10, r: 8, p: 1 };

/** A token secret and a users file with alice/wonderland (cheap scrypt cost, for tests). */
export async function writeAuthFiles(): Promise<AuthFiles> {
  const dir = mkdtempSync(join(tmpdir(), 'wslb-test-'));
  const tokenSecretJson = JSON.stringify(keyJson('t1'));
  const tokenSecretFile = join(dir, 'token.json');
  const usersFile = join(dir, 'users.json');
  writeFileSync(tokenSecretFile, tokenSecretJson, { mode: 0o600 });
  const hash = await hashPassword('wonderland', TEST_SCRYPT);
  writeFileSync(usersFile, JSON.stringify({ users: { alice: hash } }), { mode: 0o600 });
  return {
    dir,
    tokenSecretFile,
    usersFile,
    tokenSecretJson,
    env: {
      TOKEN_SECRET_FILE: tokenSecretFile,
      USERS_FILE: usersFile,
      SCRYPT_N: String(TEST_SCRYPT.N),
      SCRYPT_R: String(TEST_SCRYPT.r),
      SCRYPT_P: String(TEST_SCRYPT.p),
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
