import { Duration } from 'aws-cdk-lib';
import { DEFAULT_ALLOWED_ORIGINS } from '../runtime/contract/cors';
import { FRESHNESS_MS, REGISTRY_CACHE_MS } from '../runtime/contract/defaults';

/**
 * What `AuthService` (lib/auth-service.ts) does when a prop is left out; the app's context defaults are
 * these too. Its own module: lib/config.ts reads it, and lib/auth-service.ts reads lib/config.ts.
 */
export const AUTH_SERVICE_DEFAULTS = {
  allowedOrigins: DEFAULT_ALLOWED_ORIGINS,
  /** Three node heartbeats: one lost or late write does not drop a node. */
  freshness: Duration.millis(FRESHNESS_MS),
  registryCacheWindow: Duration.millis(REGISTRY_CACHE_MS),
  /** Bounds logins per second and Lambda-seconds at once: docs/decisions/0116-auth-lambda-sizing.md. */
  reservedConcurrency: 100,
} as const;
