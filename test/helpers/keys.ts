import { randomBytes } from 'node:crypto';
import { parseKeyRing, type TokenKeyRing } from '../../runtime/token';

export function keyJson(kid: string): { kid: string; secret: string } {
  return { kid, secret: randomBytes(32).toString('base64url') };
}

export function testKeyRing(kid = 'test-1'): TokenKeyRing {
  return parseKeyRing(JSON.stringify(keyJson(kid)));
}
