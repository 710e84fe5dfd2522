import { z } from 'zod';
import { readSecret, type SecretSource } from '../shared/secret-source';
import { hashPassword, isValidHash, verifyPassword } from './password-hash';

/** Checks a username and password. The auth service never accepts a login without one. */
export interface CredentialChecker {
  check(username: string, password: string): Promise<boolean>;
}

const usersSchema = z.object({
  users: z.record(z.string().min(1).max(128), z.string().refine(isValidHash, 'not a scrypt hash')),
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

/** Users with scrypt-hashed passwords: a file locally, a Secrets Manager secret in AWS. */
export class ScryptUserStore implements CredentialChecker {
  // Unknown users still pay for one hash, so response time does not reveal who exists.
  private decoy?: Promise<string>;

  constructor(private readonly users: UsersDocument) {}

  static async load(source: SecretSource): Promise<ScryptUserStore> {
    return new ScryptUserStore(parseUsers(await readSecret(source)));
  }

  async check(username: string, password: string): Promise<boolean> {
    const hash = Object.hasOwn(this.users.users, username) ? this.users.users[username] : undefined;
    if (!hash) {
      this.decoy ??= hashPassword('decoy', { N: 2 ** 14, r: 8, p: 1 });
      await verifyPassword(password, await this.decoy);
      return false;
    }
    return verifyPassword(password, hash);
  }
}
