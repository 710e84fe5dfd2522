import { z } from 'zod';
import { FRESHNESS_MS, REGISTRY_CACHE_MS } from '../contract/defaults';
import { DEPLOYED_SCRYPT, scryptParamsProblem } from '../contract/scrypt';
import { DEFAULT_NODE_CHOICE, NODE_CHOICE_RULES, STRATEGIES } from '../contract/strategies';
import { USERS_REFRESH_MS } from '../contract/users-refresh';
import { intVar, logLevelVar, parseEnv, requireOneOf, wsUrlVar } from '../shared/env';
import { oidcAudience, oidcUrl } from './identity/oidc-settings';
import { LOGIN_LIMIT_DEFAULTS } from './limits/login-limits';

/** The auth service's settings; the CDK auth construct sets the same names on the function. */
export const authSettingsSchema = z
  .object({
    /** Which address the service hands out. */
    STRATEGY: z.enum(STRATEGIES),
    /** The balancer's client URL (`nlb`, `haproxy`), e.g. `wss://ws.example.com`. */
    PUBLIC_URL: wsUrlVar().optional(),
    /**
     * During a switch, the strategy clients are moving off (its tier is kept for one deploy). Under `direct`,
     * its balancer is handed out while every node in the registry is still private. Absent outside a switch.
     */
    RETIRING_STRATEGY: z.enum(STRATEGIES).optional(),
    /** The retiring balancer's client URL (`nlb`, `haproxy`). */
    RETIRING_PUBLIC_URL: wsUrlVar().optional(),
    /** Token audience for `nlb`/`haproxy`; nodes accept it as TOKEN_AUDIENCE. */
    BALANCER_NAME: z.string().min(1).default('wslb'),
    /** How a node is chosen under `direct`. */
    NODE_CHOICE: z.enum(NODE_CHOICE_RULES).default(DEFAULT_NODE_CHOICE),
    TOKEN_TTL_SECONDS: intVar(1, 300, 30),
    TOKEN_SECRET_ARN: z.string().startsWith('arn:').optional(),
    TOKEN_SECRET_FILE: z.string().min(1).optional(),
    /** Users (scrypt hashes): a Secrets Manager secret in AWS, a file locally. */
    USERS_SECRET_ARN: z.string().startsWith('arn:').optional(),
    USERS_FILE: z.string().min(1).optional(),
    /** Read the users again this often: a user added or removed reaches this warm instance within it. */
    USERS_REFRESH_MS: intVar(100, 3_600_000, USERS_REFRESH_MS),
    REGISTRY_TABLE: z.string().min(3),
    REGISTRY_ENDPOINT: z.url().optional(),
    /** A registry entry older than this is ignored. */
    FRESHNESS_MS: intVar(500, 600_000, FRESHNESS_MS),
    /** Refresh this instance's registry view at most this often; a login never waits while the view is fresh. */
    REGISTRY_CACHE_MS: intVar(0, 60_000, REGISTRY_CACHE_MS),
    /** How long this instance counts its own picks as pending on a node. */
    PENDING_MS: intVar(0, 600_000, 4000),
    /** The scrypt parameters of the deployed hashes: an unknown user's decoy check costs the same. */
    SCRYPT_N: intVar(2, 2 ** 20, DEPLOYED_SCRYPT.N),
    SCRYPT_R: intVar(1, 32, DEPLOYED_SCRYPT.r),
    SCRYPT_P: intVar(1, 16, DEPLOYED_SCRYPT.p),
    /** Login attempts one source IP may make: a burst, then this many a minute (token bucket, per instance). */
    LOGIN_IP_BURST: intVar(1, 1_000_000, LOGIN_LIMIT_DEFAULTS.ipBurst),
    LOGIN_IP_PER_MINUTE: intVar(1, 1_000_000, LOGIN_LIMIT_DEFAULTS.ipPerMinute),
    /** Failed logins one username may take: a burst, then this many a minute (a success gives its token back). */
    LOGIN_USER_BURST: intVar(1, 1_000_000, LOGIN_LIMIT_DEFAULTS.userBurst),
    LOGIN_USER_PER_MINUTE: intVar(1, 1_000_000, LOGIN_LIMIT_DEFAULTS.userPerMinute),
    /** Password checks (scrypt) computed at once by one instance; each holds scrypt's memory. */
    LOGIN_CONCURRENCY: intVar(1, 64, LOGIN_LIMIT_DEFAULTS.concurrency),
    /** Checks waiting for a slot; a login beyond them is answered 503 at once. */
    LOGIN_QUEUE: intVar(0, 100_000, LOGIN_LIMIT_DEFAULTS.queue),
    /** An OpenID Connect issuer whose ID tokens are accepted as `Authorization: Bearer` (exact `iss`). */
    OIDC_ISSUER: oidcUrl().optional(),
    /** Accepted `aud` values, comma-separated (for a Cognito user pool: its app client ids). */
    OIDC_AUDIENCE: oidcAudience().optional(),
    /** The issuer's JWKS; absent: the `jwks_uri` of the issuer's discovery document. */
    OIDC_JWKS_URL: oidcUrl().optional(),
    LOG_LEVEL: logLevelVar(),
  })
  .superRefine((s, ctx) => {
    requireOneOf(s, ctx, ['TOKEN_SECRET_ARN', 'TOKEN_SECRET_FILE']);
    requireOneOf(s, ctx, ['USERS_SECRET_ARN', 'USERS_FILE']);
    if (s.REGISTRY_CACHE_MS >= s.FRESHNESS_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['REGISTRY_CACHE_MS'],
        message: `must be below FRESHNESS_MS (${s.FRESHNESS_MS})`,
      });
    }
    const scryptProblem = scryptParamsProblem({ N: s.SCRYPT_N, r: s.SCRYPT_R, p: s.SCRYPT_P });
    if (scryptProblem) ctx.addIssue({ code: 'custom', path: ['SCRYPT_N'], message: scryptProblem });
    if (s.STRATEGY !== 'direct' && !s.PUBLIC_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['PUBLIC_URL'],
        message: `required when STRATEGY is ${s.STRATEGY}`,
      });
    }
    if (s.OIDC_ISSUER && !s.OIDC_AUDIENCE) {
      ctx.addIssue({ code: 'custom', path: ['OIDC_AUDIENCE'], message: 'required with OIDC_ISSUER' });
    }
    for (const key of ['OIDC_AUDIENCE', 'OIDC_JWKS_URL'] as const) {
      if (s[key] && !s.OIDC_ISSUER)
        ctx.addIssue({ code: 'custom', path: [key], message: 'only with OIDC_ISSUER' });
    }
    if (s.RETIRING_STRATEGY !== undefined && s.RETIRING_STRATEGY === s.STRATEGY) {
      ctx.addIssue({
        code: 'custom',
        path: ['RETIRING_STRATEGY'],
        message: `must differ from STRATEGY (${s.STRATEGY})`,
      });
    }
    if (s.RETIRING_STRATEGY !== undefined && s.RETIRING_STRATEGY !== 'direct' && !s.RETIRING_PUBLIC_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['RETIRING_PUBLIC_URL'],
        message: `required when RETIRING_STRATEGY is ${s.RETIRING_STRATEGY}`,
      });
    }
    if (s.RETIRING_PUBLIC_URL && s.RETIRING_STRATEGY === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['RETIRING_PUBLIC_URL'],
        message: 'only with RETIRING_STRATEGY',
      });
    }
  });

export type AuthSettings = z.infer<typeof authSettingsSchema>;

export function authSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): AuthSettings {
  return parseEnv(authSettingsSchema, env);
}
