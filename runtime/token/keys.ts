import { z } from 'zod';

/** One HMAC key. `kid` goes into the token header so verification can pick the right key. */
export interface TokenKey {
  kid: string;
  secret: Uint8Array;
}

/** The signing key first; at most one older key that still verifies (rotation window). */
export interface TokenKeyRing {
  signing: TokenKey;
  verifying: readonly TokenKey[];
}

const keySchema = z.object({
  kid: z.string().min(1).max(64),
  secret: z.string().min(32, 'secret must be at least 32 characters'),
});
const ringSchema = z.object({ keys: z.array(keySchema).min(1).max(2, 'at most two active keys') });

/**
 * Parse the token secret: either `{ kid, secret }` (what the CDK stack generates) or
 * `{ keys: [newest, previous] }` during a rotation. The first key signs; all verify.
 */
export function parseKeyRing(json: string): TokenKeyRing {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('token secret is not valid JSON');
  }
  const isRing = typeof raw === 'object' && raw !== null && 'keys' in raw;
  const parsed = isRing
    ? ringSchema.safeParse(raw)
    : keySchema.transform((k) => ({ keys: [k] })).safeParse(raw);
  if (!parsed.success) {
    throw new Error(`token secret is malformed: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  }
  const keys = parsed.data.keys.map((k) => ({ kid: k.kid, secret: new TextEncoder().encode(k.secret) }));
  if (new Set(keys.map((k) => k.kid)).size !== keys.length) throw new Error('token secret has duplicate kid');
  return { signing: keys[0], verifying: keys };
}
