import { z } from 'zod';
import { DEPLOYED_SCRYPT, type ScryptParams } from '../contract/scrypt';
import { decoyHash, hashParams, isValidHash, verifyPassword } from './password-hash';

/** Checks a username and password. The auth service never accepts a login without one. */
export interface CredentialChecker {
  check(username: string, password: string): Promise<boolean>;
}

/** Control and format characters (escape sequences, zero-width and bidi marks) and line/paragraph separators. */
const HIDDEN_CHARACTER = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/**
 * The one form of a username: Unicode NFC, so `é` typed as one character and as `e` plus a combining accent
 * name the same user. Logins and `wslb users` normalize before anything else.
 */
export const normalizeUsername = (name: string): string => name.normalize('NFC');

/**
 * A username the users document accepts: 1-128 characters, in NFC form (normalizeUsername), none of them a
 * control or format character: a name printed by `wslb users list` or carried as a token's subject cannot act
 * on a terminal or hide part of itself.
 */
export const usernameSchema = z
  .string()
  .min(1)
  .max(128)
  .refine((name) => !HIDDEN_CHARACTER.test(name), 'no control or format characters')
  .refine((name) => name === normalizeUsername(name), 'in Unicode NFC form');

const usersSchema = z.object({
  users: z.record(
    usernameSchema,
    z.string().refine(isValidHash, 'not a scrypt hash with parameters within the limits'),
  ),
});

export type UsersDocument = z.infer<typeof usersSchema>;

export function parseUsers(json: string): UsersDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('users document is not valid JSON');
  }
  const parsed = usersSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `users document is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

/**
 * Users with scrypt-hashed passwords: a file locally, a Secrets Manager secret in AWS. An unknown user
 * is checked against a decoy hash made with `params`, the parameters real hashes are made with, so the
 * answer costs one scrypt of the same work either way and its timing does not tell who exists.
 */
export class ScryptUserStore implements CredentialChecker {
  private readonly decoy: string;

  /** @param params the deployed scrypt parameters (`SCRYPT_N`/`SCRYPT_R`/`SCRYPT_P`). @default DEPLOYED_SCRYPT */
  constructor(
    private readonly users: UsersDocument,
    readonly params: ScryptParams = DEPLOYED_SCRYPT,
  ) {
    this.decoy = decoyHash(params);
  }

  /**
   * Users whose hash was made with other parameters than `params`: their check costs another amount
   * than an unknown user's, so timing can tell them apart. Re-hash them with the deployed parameters.
   */
  usersWithOtherParams(): string[] {
    const same = (a: ScryptParams) => a.N === this.params.N && a.r === this.params.r && a.p === this.params.p;
    return Object.entries(this.users.users)
      .filter(([, hash]) => !same(hashParams(hash)))
      .map(([name]) => name);
  }

  async check(username: string, password: string): Promise<boolean> {
    const hash = Object.hasOwn(this.users.users, username) ? this.users.users[username] : undefined;
    if (!hash) {
      await verifyPassword(password, this.decoy);
      return false;
    }
    return verifyPassword(password, hash);
  }
}
