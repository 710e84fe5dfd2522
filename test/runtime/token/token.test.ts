import { SignJWT } from 'jose';
import { issueToken, parseKeyRing, TokenError, verifyToken } from '../../../runtime/token';
import { keyJson, testKeyRing } from '../../helpers/keys';

const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(TokenError);
    return (err as TokenError).code;
  }
  throw new Error('expected a TokenError');
};

describe('connection tokens', () => {
  const keys = testKeyRing();

  it('round-trips subject, audience and expiry', async () => {
    const now = Date.UTC(2026, 0, 1);
    const issued = await issueToken(keys, { subject: 'alice', audience: 'node-1', ttlSeconds: 30, now });
    const verified = await verifyToken(keys, issued.token, ['node-1'], now + 1000);
    expect(verified).toEqual({
      subject: 'alice',
      audience: 'node-1',
      jti: issued.jti,
      expiresAt: now + 30_000,
      claims: { sub: 'alice', aud: 'node-1', jti: issued.jti, iat: now / 1000, exp: now / 1000 + 30 },
    });
  });

  it('gives every token its own jti', async () => {
    const a = await issueToken(keys, { subject: 'alice', audience: 'n' });
    const b = await issueToken(keys, { subject: 'alice', audience: 'n' });
    expect(a.jti).not.toBe(b.jti);
  });

  it('refuses an expired token', async () => {
    const now = Date.UTC(2026, 0, 1);
    const { token } = await issueToken(keys, { subject: 'alice', audience: 'node-1', ttlSeconds: 5, now });
    expect(await codeOf(verifyToken(keys, token, ['node-1'], now + 6000))).toBe('expired');
  });

  it('refuses a tampered token', async () => {
    const { token } = await issueToken(keys, { subject: 'alice', audience: 'node-1' });
    const [h, p, s] = token.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...payload, sub: 'mallory' })).toString('base64url');
    expect(await codeOf(verifyToken(keys, `${h}.${forged}.${s}`, ['node-1']))).toBe('bad-signature');
  });

  it('refuses a token signed with another secret under the same kid', async () => {
    const other = testKeyRing('test-1');
    const { token } = await issueToken(other, { subject: 'alice', audience: 'node-1' });
    expect(await codeOf(verifyToken(keys, token, ['node-1']))).toBe('bad-signature');
  });

  it('refuses a token for another audience', async () => {
    const { token } = await issueToken(keys, { subject: 'alice', audience: 'node-2' });
    expect(await codeOf(verifyToken(keys, token, ['node-1', 'wslb']))).toBe('wrong-audience');
  });

  it('accepts the balancer audience alongside the node id', async () => {
    const { token } = await issueToken(keys, { subject: 'alice', audience: 'wslb' });
    await expect(verifyToken(keys, token, ['node-1', 'wslb'])).resolves.toMatchObject({ audience: 'wslb' });
  });

  it.each([
    ['missing', undefined],
    ['malformed', 'not-a-jwt'],
    ['malformed', 'a.b.c'],
  ])('classifies %s input', async (code, token) => {
    expect(await codeOf(verifyToken(keys, token, ['node-1']))).toBe(code);
  });

  it('refuses alg none and other algorithms', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', kid: 'test-1' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ sub: 'a', aud: 'node-1', exp: 9e9 })).toString('base64url');
    expect(await codeOf(verifyToken(keys, `${header}.${body}.`, ['node-1']))).toBe('malformed');
  });

  it('refuses a token that lacks a required claim', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: 'test-1' })
      .setAudience('node-1')
      .setExpirationTime('1m')
      .sign(keys.signing.secret);
    expect(await codeOf(verifyToken(keys, token, ['node-1']))).toBe('malformed');
  });

  it('verifies tokens of the previous key during a rotation, and signs with the new one', async () => {
    const oldKey = keyJson('k1');
    const before = parseKeyRing(JSON.stringify(oldKey));
    const during = parseKeyRing(JSON.stringify({ keys: [keyJson('k2'), oldKey] }));
    const oldToken = await issueToken(before, { subject: 'alice', audience: 'n' });
    await expect(verifyToken(during, oldToken.token, ['n'])).resolves.toMatchObject({ subject: 'alice' });
    const newToken = await issueToken(during, { subject: 'bob', audience: 'n' });
    expect(JSON.parse(Buffer.from(newToken.token.split('.')[0], 'base64url').toString()).kid).toBe('k2');
    expect(await codeOf(verifyToken(before, newToken.token, ['n']))).toBe('bad-signature');
  });

  it('caps the lifetime', async () => {
    await expect(issueToken(keys, { subject: 'a', audience: 'n', ttlSeconds: 301 })).rejects.toThrow(
      'ttlSeconds must be an integer from 1 to 300, got 301',
    );
  });

  it.each([
    ['{', 'token secret is not valid JSON'],
    ['{"kid":"a","secret":"short"}', 'token secret is malformed: secret must be at least 32 characters'],
    [JSON.stringify({ keys: [keyJson('a'), keyJson('b'), keyJson('c')] }), 'at most two active keys'],
    [JSON.stringify({ keys: [keyJson('a'), keyJson('a')] }), 'token secret has duplicate kid'],
  ])('rejects a bad secret document %#', (json, message) => {
    expect(() => parseKeyRing(json)).toThrow(message);
  });
});
