import { z } from 'zod';
import { intVar, logLevelVar, parseEnv, requireOneOf } from '../shared/env';

/** The auth service's settings; the CDK auth construct sets the same names on the function. */
export const authSettingsSchema = z
  .object({
    /** Which address the service hands out. */
    STRATEGY: z.enum(['direct', 'nlb', 'haproxy']),
    /** The balancer's client URL (`nlb`, `haproxy`), e.g. `wss://ws.example.com`. */
    PUBLIC_URL: z
      .string()
      .regex(/^wss?:\/\/\S+$/, 'ws://… or wss://…')
      .optional(),
    /** Token audience for `nlb`/`haproxy`; nodes accept it as TOKEN_AUDIENCE. */
    BALANCER_NAME: z.string().min(1).default('wslb'),
    /** How a node is chosen under `direct`. */
    NODE_CHOICE: z.enum(['p2c', 'least-loaded', 'random']).default('p2c'),
    TOKEN_TTL_SECONDS: intVar(1, 300, 30),
    TOKEN_SECRET_ARN: z.string().startsWith('arn:').optional(),
    TOKEN_SECRET_FILE: z.string().min(1).optional(),
    /** Users (scrypt hashes): a Secrets Manager secret in AWS, a file locally. */
    USERS_SECRET_ARN: z.string().startsWith('arn:').optional(),
    USERS_FILE: z.string().min(1).optional(),
    REGISTRY_TABLE: z.string().min(3),
    REGISTRY_ENDPOINT: z.url().optional(),
    /** A registry entry older than this is ignored. */
    FRESHNESS_MS: intVar(500, 600_000, 6000),
    /** Refresh this instance's registry view at most this often; a login never waits while the view is fresh. */
    REGISTRY_CACHE_MS: intVar(0, 60_000, 1000),
    /** How long this instance counts its own picks as pending on a node. */
    PENDING_MS: intVar(0, 600_000, 4000),
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
    if (s.STRATEGY !== 'direct' && !s.PUBLIC_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['PUBLIC_URL'],
        message: `required when STRATEGY is ${s.STRATEGY}`,
      });
    }
  });

export type AuthSettings = z.infer<typeof authSettingsSchema>;

export function authSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): AuthSettings {
  return parseEnv(authSettingsSchema, env);
}
