import type { Logger } from 'pino';
import { TOKEN_KEY_REFRESH_MS } from '../contract/token-key-refresh';
import { DynamoDbRegistry, type NodeRegistry } from '../registry';
import { refreshingSecret } from '../shared/refreshing-secret';
import { secretSourceFromEnv } from '../shared/secret-source';
import { refreshingKeyRing } from '../token';
import { type CredentialChecker, parseUsers, ScryptUserStore } from './credentials';
import type { AuthRequest, AuthResponse } from './http-types';
import { oidcConfigFrom } from './identity/oidc-settings';
import { OidcVerifier, type OidcVerifierOptions } from './identity/oidc-verifier';
import { LoginLimits } from './limits/login-limits';
import { InstancePicker } from './node-choice/instance-picker';
import { RegistryView } from './node-choice/registry-view';
import { createSessionHandler } from './session-handler';
import type { AuthSettings } from './settings';

export interface AuthService {
  handle(req: AuthRequest): Promise<AuthResponse>;
  view: RegistryView;
  stop(): void;
}

/** Builds the auth service from settings: the same wiring on Lambda and in the local cluster. */
export async function createAuthService(
  settings: AuthSettings,
  log: Logger,
  overrides: { registry?: NodeRegistry; random?: () => number; oidc?: OidcVerifierOptions } = {},
): Promise<AuthService> {
  const keys = await refreshingKeyRing(
    secretSourceFromEnv(settings.TOKEN_SECRET_ARN, settings.TOKEN_SECRET_FILE, 'token secret'),
    TOKEN_KEY_REFRESH_MS,
    log,
  );
  const scrypt = { N: settings.SCRYPT_N, r: settings.SCRYPT_R, p: settings.SCRYPT_P };
  // Re-read like the token key, so `wslb users add|remove` reaches warm instances too.
  const users = await refreshingSecret(
    secretSourceFromEnv(settings.USERS_SECRET_ARN, settings.USERS_FILE, 'users'),
    (text) => new ScryptUserStore(parseUsers(text), scrypt),
    { refreshMs: settings.USERS_REFRESH_MS, log, what: 'users' },
  );
  const credentials: CredentialChecker = { check: (name, password) => users.current().check(name, password) };
  const otherParams = users.current().usersWithOtherParams();
  if (otherParams.length > 0) {
    log.warn(
      { users: otherParams.length, scrypt },
      'users hashed with other scrypt parameters than the deployed ones: timing tells them from unknown users; re-hash them',
    );
  }
  const registry =
    overrides.registry ??
    new DynamoDbRegistry({
      tableName: settings.REGISTRY_TABLE,
      endpoint: settings.REGISTRY_ENDPOINT,
      freshnessMs: settings.FRESHNESS_MS,
    });
  const picker = new InstancePicker(
    settings.NODE_CHOICE,
    overrides.random ?? Math.random,
    settings.PENDING_MS,
  );
  const view = new RegistryView(registry, {
    cacheMs: settings.REGISTRY_CACHE_MS,
    freshnessMs: settings.FRESHNESS_MS,
    onRefresh: (nodes) => picker.observe(nodes),
  });
  const oidc = oidcConfigFrom(settings);
  const handle = createSessionHandler({
    strategy: settings.STRATEGY,
    credentials,
    oidc: oidc ? new OidcVerifier(oidc, overrides.oidc) : undefined,
    limits: new LoginLimits({
      ipBurst: settings.LOGIN_IP_BURST,
      ipPerMinute: settings.LOGIN_IP_PER_MINUTE,
      userBurst: settings.LOGIN_USER_BURST,
      userPerMinute: settings.LOGIN_USER_PER_MINUTE,
      concurrency: settings.LOGIN_CONCURRENCY,
      queue: settings.LOGIN_QUEUE,
    }),
    keys: keys.current,
    tokenTtlSeconds: settings.TOKEN_TTL_SECONDS,
    view,
    picker,
    balancer: settings.PUBLIC_URL ? { url: settings.PUBLIC_URL, name: settings.BALANCER_NAME } : undefined,
    retiring: settings.RETIRING_STRATEGY
      ? {
          strategy: settings.RETIRING_STRATEGY,
          balancer: settings.RETIRING_PUBLIC_URL
            ? { url: settings.RETIRING_PUBLIC_URL, name: settings.BALANCER_NAME }
            : undefined,
        }
      : undefined,
    log,
  });
  return {
    handle: async (req) => {
      try {
        return await handle(req);
      } catch (err) {
        log.error({ requestId: req.requestId, err: (err as Error).message }, 'session failed');
        return {
          status: 500,
          headers: { 'content-type': 'application/json' },
          body: '{"error":"internal error"}',
        };
      }
    },
    view,
    stop: () => {
      keys.stop();
      users.stop();
    },
  };
}
