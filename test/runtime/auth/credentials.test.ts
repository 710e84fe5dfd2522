import {
  normalizeUsername,
  parseUsers,
  ScryptUserStore,
  usernameSchema,
} from '../../../runtime/auth/credentials';
import { hashPassword, verifyPassword } from '../../../runtime/auth/password-hash';

const cheap = { N: 2 ** 10, r: 8, p: 1 };

describe('scrypt password hashes', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('wonderland', cheap);
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$/);
    await expect(verifyPassword('wonderland', hash)).resolves.toBe(true);
    await expect(verifyPassword('Wonderland', hash)).resolves.toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same', cheap)).not.toBe(await hashPassword('same', cheap));
  });

  it('refuses a malformed hash instead of throwing', async () => {
    await expect(verifyPassword('x', 'plaintext')).resolves.toBe(false);
  });
});

describe('ScryptUserStore', () => {
  it('accepts known users with the right password only', async () => {
    const store = new ScryptUserStore({ users: { alice: await hashPassword('wonderland', cheap) } });
    await expect(store.check('alice', 'wonderland')).resolves.toBe(true);
    await expect(store.check('alice', 'nope')).resolves.toBe(false);
    await expect(store.check('bob', 'wonderland')).resolves.toBe(false);
    await expect(store.check('__proto__', 'x')).resolves.toBe(false);
  });

  it.each([
    ['an escape sequence', 'esc\u001b[2Jred'],
    ['a control character', 'ctl\u0001x'],
    ['a zero-width space', 'al\u200bice'],
    ['a bidi override', 'ali\u202ece'],
    ['a line separator', 'a\u2028b'],
    ['a name not in NFC form', 'de\u0301'],
  ])('refuses a username with %s in the users document', (_what, name) => {
    expect(() => parseUsers(JSON.stringify({ users: { [name]: 'x' } }))).toThrow(
      /users document is malformed/,
    );
    expect(usernameSchema.safeParse(name).success).toBe(false);
    expect(usernameSchema.safeParse(normalizeUsername('dé')).success).toBe(true);
  });

  it('rejects a malformed users document, saying where', () => {
    expect(() => parseUsers('[')).toThrow('users document is not valid JSON');
    expect(() => parseUsers('{"users":{"alice":"plain"}}')).toThrow(
      'users document is malformed: users.alice: not a scrypt hash',
    );
  });
});
