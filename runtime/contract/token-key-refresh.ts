/**
 * How often a node and an auth instance read the token secret again, in ms: a rotated key reaches every
 * verifier within this long. Also what `wslb plan` prices as Secrets Manager calls.
 */
export const TOKEN_KEY_REFRESH_MS = 60_000;
