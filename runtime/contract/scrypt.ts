/**
 * scrypt's cost parameters (RFC 7914): `N` CPU/memory cost (a power of two), `r` block size, `p`
 * parallelization. Stored inside each hash, so they can be raised without invalidating old hashes.
 */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/**
 * The parameters deployed hashes are made with and an unknown user's decoy check costs; the auth
 * Lambda's memory is sized for them. Source of the figure: docs/decisions/0116-auth-lambda-sizing.md.
 */
export const DEPLOYED_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

/**
 * Bytes one scrypt computation allocates, as OpenSSL (Node's `crypto.scrypt`) counts them against
 * `maxmem`: the `V` array of `128·r·(N+2)` bytes plus `B` of `128·r·p`.
 */
export function scryptMemoryBytes({ N, r, p }: ScryptParams): number {
  return 128 * r * (N + 2) + 128 * r * p;
}

/**
 * What `scryptParamsProblem` accepts: a hash or a setting beyond these is refused, not computed. The lower
 * ends admit the cheap hashes of local demo and bench users; the upper ends bound what one check can cost.
 */
export const SCRYPT_LIMITS = {
  minLog2N: 1,
  maxLog2N: 20,
  maxR: 32,
  maxP: 16,
  maxMemoryBytes: 512 * 1024 ** 2,
};

/** Why `params` cannot be used (a power-of-two N within the limits, r and p within theirs), or undefined. */
export function scryptParamsProblem(params: ScryptParams): string | undefined {
  const { N, r, p } = params;
  const log2N = Math.log2(N);
  const { minLog2N, maxLog2N, maxR, maxP, maxMemoryBytes } = SCRYPT_LIMITS;
  if (!Number.isInteger(log2N) || log2N < minLog2N || log2N > maxLog2N) {
    return `N must be a power of two from 2^${minLog2N} to 2^${maxLog2N} (got ${N})`;
  }
  if (!Number.isInteger(r) || r < 1 || r > maxR) return `r must be an integer from 1 to ${maxR} (got ${r})`;
  if (!Number.isInteger(p) || p < 1 || p > maxP) return `p must be an integer from 1 to ${maxP} (got ${p})`;
  const bytes = scryptMemoryBytes(params);
  if (bytes > maxMemoryBytes) {
    return `N·r needs ${Math.round(bytes / 1024 ** 2)} MiB per check, above ${maxMemoryBytes / 1024 ** 2} MiB`;
  }
  return undefined;
}
