import { runMain } from '../shared/run-main';
import { createAuthService } from './auth-service';
import { createAuthHttpServer, listen } from './node-http-adapter';
import { authSettingsFromEnv } from './settings';

/** The auth service as a process: what runs in place of Lambda when it is not embedded in the local cluster. */
runMain('auth', async (log) => {
  const settings = authSettingsFromEnv();
  log.level = settings.LOG_LEVEL;
  const auth = await createAuthService(settings, log);
  const server = createAuthHttpServer(auth.handle);
  const port = await listen(server, process.env.HOST ?? '127.0.0.1', Number(process.env.PORT ?? 0));
  log.info({ port, strategy: settings.STRATEGY }, 'listening');
  process.send?.({ type: 'listening', port });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return undefined;
});
