import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  type JWTPayload,
  jwtVerify,
  type RemoteJWKSetOptions,
} from 'jose';
import { z } from 'zod';

/** Which check an OIDC token failed; logged, never told to the client (it gets 401). */
export type OidcFailure =
  | 'malformed'
  | 'algorithm'
  | 'unknown-kid'
  | 'signature'
  | 'issuer'
  | 'audience'
  | 'expired'
  | 'not-yet-valid'
  | 'claims'
  | 'jwks-unavailable';

export type OidcResult =
  | { ok: true; subject: string; claims: JWTPayload }
  | { ok: false; reason: OidcFailure; detail: string; kid?: string };

export interface OidcConfig {
  /** The `iss` every token must carry, exactly (e.g. `https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC`). */
  issuer: string;
  /** Accepted `aud` values (for Cognito, the app client ids). */
  audience: readonly string[];
  /** The issuer's JWKS. @default - the `jwks_uri` of `<issuer>/.well-known/openid-configuration` */
  jwksUrl?: string;
}

export interface OidcVerifierOptions {
  /** Re-fetch the JWKS after this long even when every kid is known. @default 600000 (jose's default) */
  cacheMaxAgeMs?: number;
  /** An unknown kid re-fetches the JWKS at most this often (rotation picks up new keys). @default 30000 */
  cooldownMs?: number;
  /** Timeout of one JWKS or discovery request. @default 5000 */
  timeoutMs?: number;
  /** Tolerated clock difference for exp/nbf/iat, in seconds. @default 30 */
  clockToleranceSeconds?: number;
  /** @default Date.now */
  now?: () => number;
}

/** Signature algorithms of public keys; `none` and the HMAC ones are never accepted from an issuer. */
export const OIDC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];
/** Longer tokens are refused before any work: ID tokens are a few KiB at most. */
export const MAX_TOKEN_LENGTH = 8192;

const discoverySchema = z.object({ issuer: z.string(), jwks_uri: z.url() });

/**
 * Verifies OIDC ID tokens (a Cognito user pool is one issuer) against the issuer's JWKS with jose's remote
 * key set: keys are cached, and a token with a kid the cache lacks re-fetches the set (at most once per
 * cooldown), so an issuer's key rotation is picked up without a restart. Issuer and audience must match,
 * `exp` and `sub` are required.
 */
export class OidcVerifier {
  private keys?: Promise<ReturnType<typeof createRemoteJWKSet>>;

  constructor(
    private readonly config: OidcConfig,
    private readonly options: OidcVerifierOptions = {},
  ) {}

  get issuer(): string {
    return this.config.issuer;
  }

  async verify(token: string): Promise<OidcResult> {
    if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed', detail: 'token too long' };
    let kid: string | undefined;
    try {
      const header = decodeProtectedHeader(token);
      kid = typeof header.kid === 'string' ? header.kid.slice(0, 128) : undefined;
    } catch {
      return { ok: false, reason: 'malformed', detail: 'not a JWS compact token' };
    }
    let keys: ReturnType<typeof createRemoteJWKSet>;
    try {
      keys = await this.keySet();
    } catch (err) {
      return { ok: false, reason: 'jwks-unavailable', detail: (err as Error).message, kid };
    }
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: this.config.issuer,
        audience: [...this.config.audience],
        algorithms: OIDC_ALGORITHMS,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: this.options.clockToleranceSeconds ?? 30,
        currentDate: new Date((this.options.now ?? Date.now)()),
      });
      if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 256) {
        return { ok: false, reason: 'claims', detail: 'sub is not a string of 1-256 characters', kid };
      }
      return { ok: true, subject: payload.sub, claims: payload };
    } catch (err) {
      return { ok: false, ...classify(err as Error & { code?: string; claim?: string }), kid };
    }
  }

  private keySet(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    this.keys ??= this.jwksUrl().then((url) => {
      const options: RemoteJWKSetOptions = {
        timeoutDuration: this.options.timeoutMs ?? 5000,
        cooldownDuration: this.options.cooldownMs ?? 30_000,
        cacheMaxAge: this.options.cacheMaxAgeMs ?? 600_000,
      };
      return createRemoteJWKSet(new URL(url), options);
    });
    // A failed discovery is retried by the next login, not remembered.
    this.keys.catch(() => {
      this.keys = undefined;
    });
    return this.keys;
  }

  private async jwksUrl(): Promise<string> {
    if (this.config.jwksUrl) return this.config.jwksUrl;
    const url = `${this.config.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const res = await fetch(url, { signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000) });
    if (!res.ok) throw new Error(`discovery ${url}: HTTP ${res.status}`);
    const doc = discoverySchema.safeParse(await res.json());
    if (!doc.success) throw new Error(`discovery ${url}: no issuer/jwks_uri`);
    if (doc.data.issuer !== this.config.issuer) {
      throw new Error(`discovery ${url}: issuer ${doc.data.issuer} is not ${this.config.issuer}`);
    }
    return doc.data.jwks_uri;
  }
}

function classify(err: Error & { code?: string; claim?: string }): { reason: OidcFailure; detail: string } {
  const detail = err.message;
  switch (err.code) {
    case 'ERR_JWT_EXPIRED':
      return { reason: 'expired', detail };
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (err.claim === 'iss') return { reason: 'issuer', detail };
      if (err.claim === 'aud') return { reason: 'audience', detail };
      if (err.claim === 'nbf' || err.claim === 'iat') return { reason: 'not-yet-valid', detail };
      return { reason: 'claims', detail };
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return { reason: 'algorithm', detail };
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return { reason: 'unknown-kid', detail };
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return { reason: 'signature', detail };
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return { reason: 'malformed', detail };
    default:
      // Timeouts, an unreachable or broken JWKS endpoint: the issuer's side, not the token's.
      return { reason: 'jwks-unavailable', detail };
  }
}
