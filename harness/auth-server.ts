import type { Server } from 'node:http';
import { createAuthService } from '../runtime/auth/auth-service';
import { createAuthHttpServer, listen } from '../runtime/auth/node-http-adapter';
import { authSettingsSchema } from '../runtime/auth/settings';
import { localAuthEnv } from '../runtime/local/local-secrets';
import { createLogger } from '../runtime/shared/log';
import { BALANCER_NAME, type NodeRig } from './node-rig';

export interface AuthServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The auth service over a rig's registry and secrets, behind the same Node HTTP adapter the local cluster
 * uses: `direct` hands out nodes, `haproxy` hands out the balancer's URL.
 */
export async function startAuthServer(
  rig: NodeRig,
  strategy: 'direct' | 'haproxy',
  publicUrl?: string,
): Promise<AuthServer> {
  const settings = authSettingsSchema.parse({
    STRATEGY: strategy,
    PUBLIC_URL: publicUrl,
    BALANCER_NAME,
    ...localAuthEnv(rig.secrets),
    REGISTRY_TABLE: rig.registry.tableName,
    REGISTRY_ENDPOINT: rig.registry.endpoint,
    FRESHNESS_MS: '3000',
    LOG_LEVEL: 'error',
  });
  const auth = await createAuthService(settings, createLogger(`wslb-auth-${strategy}`, 'error'));
  const server: Server = createAuthHttpServer(auth.handle);
  const port = await listen(server, '127.0.0.1', 0);
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      auth.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
