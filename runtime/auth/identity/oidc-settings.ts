import { z } from 'zod';
import type { OidcConfig } from './oidc-verifier';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** An issuer or JWKS URL: https, or http only on loopback (the local test issuer). */
export const oidcUrl = () =>
  z.url().refine((value) => {
    // zod runs this refinement even when z.url() refused the value: one URL cannot parse fails here too.
    if (!URL.canParse(value)) return false;
    const url = new URL(value);
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
  }, 'an https:// URL (http:// only on 127.0.0.1 or localhost)');

/** `OIDC_AUDIENCE`: one or more comma-separated audiences (for Cognito: app client ids). */
export const oidcAudience = () =>
  z
    .string()
    .transform((v) => v.split(',').map((a) => a.trim()))
    .pipe(z.array(z.string().min(1).max(256)).min(1).max(20));

/** The OIDC identity source from the auth settings, or undefined when no issuer is configured. */
export function oidcConfigFrom(s: {
  OIDC_ISSUER?: string;
  OIDC_AUDIENCE?: string[];
  OIDC_JWKS_URL?: string;
}): OidcConfig | undefined {
  if (!s.OIDC_ISSUER || !s.OIDC_AUDIENCE) return undefined;
  return { issuer: s.OIDC_ISSUER, audience: s.OIDC_AUDIENCE, jwksUrl: s.OIDC_JWKS_URL };
}
