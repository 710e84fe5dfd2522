import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseUsers } from '../auth/credentials';
import type { LoginLimitSettings } from '../auth/limits/login-limits';
import { hashPassword } from '../auth/password-hash';
import type { ScryptParams } from '../contract/scrypt';
import type { RunDir } from './run-dir';

/** The demo user's scrypt cost: cheap (not the deployed 2^17) so a 1,000-client demo logs in within seconds. */
export const LOCAL_SCRYPT: ScryptParams = { N: 2 ** 10, r: 8, p: 1 };

/**
 * Login limits on one machine, where every demo client shares 127.0.0.1 and the username `demo` and
 * all arrive at once: the buckets are out of reach, the checks run on libuv's 4 threads and may all
 * queue. Tests of the limits set their own.
 */
export const LOCAL_LOGIN_LIMITS: LoginLimitSettings = {
  ipBurst: 1_000_000,
  ipPerMinute: 1_000_000,
  userBurst: 1_000_000,
  userPerMinute: 1_000_000,
  concurrency: 4,
  queue: 100_000,
};

export interface LocalSecrets {
  tokenSecretFile: string;
  usersFile: string;
  demoUser: { username: string; password: string };
  /** Present when asked for: a user whose hash is cheap enough for thousands of logins a second (benchmarks). */
  benchUser?: { username: string; password: string };
}

/** The users of a users file (`wslb users add NAME --file FILE`); its errors name the file. */
async function usersOf(file: string, reserved: readonly string[]): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`users file ${file}: ${(err as Error).message}`);
  }
  let users: Record<string, string>;
  try {
    users = parseUsers(text).users;
  } catch (err) {
    throw new Error(`users file ${file}: ${(err as Error).message}`);
  }
  const taken = reserved.filter((name) => Object.hasOwn(users, name));
  if (taken.length > 0) {
    throw new Error(
      `users file ${file}: ${taken.join(', ')} is made by the local cluster itself; use another name`,
    );
  }
  return users;
}

/**
 * A fresh token key and one demo user per run, hashed with {@link LOCAL_SCRYPT}, plus the users of
 * `usersFile` (their hashes as they are, with their own cost).
 */
export async function createLocalSecrets(
  dir: RunDir,
  options: { benchUserScryptN?: number; usersFile?: string } = {},
): Promise<LocalSecrets> {
  const tokenSecretFile = dir.writeSecret(
    'token-secret.json',
    JSON.stringify({ kid: 'local-1', secret: randomBytes(32).toString('base64url') }),
  );
  const demoUser = { username: 'demo', password: randomBytes(9).toString('base64url') };
  const hash = await hashPassword(demoUser.password, LOCAL_SCRYPT);
  const fromFile = options.usersFile ? await usersOf(options.usersFile, ['demo', 'bench']) : {};
  const users: Record<string, string> = { ...fromFile, [demoUser.username]: hash };
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

/** The auth service's variables for these secrets: their files, the demo's scrypt cost, `limits`. */
export function localAuthEnv(
  secrets: LocalSecrets,
  limits: LoginLimitSettings = LOCAL_LOGIN_LIMITS,
): Record<string, string> {
  return {
    TOKEN_SECRET_FILE: secrets.tokenSecretFile,
    USERS_FILE: secrets.usersFile,
    SCRYPT_N: String(LOCAL_SCRYPT.N),
    SCRYPT_R: String(LOCAL_SCRYPT.r),
    SCRYPT_P: String(LOCAL_SCRYPT.p),
    LOGIN_IP_BURST: String(limits.ipBurst),
    LOGIN_IP_PER_MINUTE: String(limits.ipPerMinute),
    LOGIN_USER_BURST: String(limits.userBurst),
    LOGIN_USER_PER_MINUTE: String(limits.userPerMinute),
    LOGIN_CONCURRENCY: String(limits.concurrency),
    LOGIN_QUEUE: String(limits.queue),
  };
}
