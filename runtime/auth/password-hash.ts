import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import {
  DEPLOYED_SCRYPT,
  type ScryptParams,
  scryptMemoryBytes,
  scryptParamsProblem,
} from '../contract/scrypt';

export type { ScryptParams } from '../contract/scrypt';

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** The shortest password the tools that write users accept. */
export const MIN_PASSWORD_LENGTH = 8;

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const { N, r, p } = params;
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_LENGTH, { N, r, p, maxmem: 2 * scryptMemoryBytes(params) }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

const encode = (params: ScryptParams, salt: Buffer, key: Buffer) =>
  ['scrypt', params.N, params.r, params.p, salt.toString('base64'), key.toString('base64')].join('$');

/** `scrypt$N$r$p$<salt b64>$<hash b64>`, with the deployed parameters unless others are given. */
export async function hashPassword(
  password: string,
  params: ScryptParams = DEPLOYED_SCRYPT,
): Promise<string> {
  const problem = scryptParamsProblem(params);
  if (problem) throw new RangeError(`scrypt parameters: ${problem}`);
  const salt = randomBytes(SALT_LENGTH);
  return encode(params, salt, await derive(password, salt, params));
}

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

const HASH_FORMAT = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

function parseHash(encoded: string): ParsedHash | undefined {
  const m = HASH_FORMAT.exec(encoded);
  if (!m) return undefined;
  const params = { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (scryptParamsProblem(params)) return undefined;
  return { params, salt: Buffer.from(m[4], 'base64'), key: Buffer.from(m[5], 'base64') };
}

/** Well-formed, with parameters within `SCRYPT_LIMITS` (a hash that would cost more is never computed). */
export function isValidHash(encoded: string): boolean {
  return parseHash(encoded) !== undefined;
}

/** The parameters stored in a valid hash. @throws Error when `encoded` is not one. */
export function hashParams(encoded: string): ScryptParams {
  const parsed = parseHash(encoded);
  if (!parsed) throw new Error('not a valid scrypt hash');
  return parsed.params;
}

/**
 * A hash no password matches, made without computing scrypt: checking a password against it costs
 * exactly one scrypt with `params`, like checking a real hash made with them.
 */
export function decoyHash(params: ScryptParams): string {
  return encode(params, randomBytes(SALT_LENGTH), randomBytes(KEY_LENGTH));
}

/** One scrypt with the hash's own parameters; false (without computing) for an invalid hash. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parseHash(encoded);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.params);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}
