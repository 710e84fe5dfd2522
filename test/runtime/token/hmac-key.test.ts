import { jwtVerify, SignJWT } from 'jose';
import { hmacKey } from '../../../runtime/token/hmac-key';

describe('hmacKey', () => {
  it('imports each secret once and hands the same key to every caller', async () => {
    const secret = new TextEncoder().encode('s'.repeat(43));
    expect(hmacKey(secret)).toBe(hmacKey(secret));
    const other = new TextEncoder().encode('t'.repeat(43));
    expect(await hmacKey(other)).not.toBe(await hmacKey(secret));
  });

  it('is the same HMAC-SHA256 key as the raw bytes: tokens cross in both directions', async () => {
    const secret = new TextEncoder().encode('k'.repeat(43));
    const jwt = () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice');
    const byRaw = await jwt().sign(secret);
    const byKey = await jwt().sign(await hmacKey(secret));
    expect((await jwtVerify(byRaw, await hmacKey(secret))).payload.sub).toBe('alice');
    expect((await jwtVerify(byKey, secret)).payload.sub).toBe('alice');
    const wrong = await hmacKey(new TextEncoder().encode('w'.repeat(43)));
    await expect(jwtVerify(byRaw, wrong)).rejects.toThrow(/signature/);
  });
});
