import { runMain } from '../shared/run-main';
import type { NodeAppFactory } from './app';
import { startNodeService } from './node-service';
import { nodeSettingsFromEnv } from './settings';

/**
 * The node service process (systemd on EC2, a child process in the local cluster), hosting `app` unless
 * UPSTREAM_URL pipes clients to a sidecar. The bundle's entry calls it with the operator's app or with echo.
 */
export function runNode(app: NodeAppFactory): void {
  runMain('node', async (log) => {
    const settings = nodeSettingsFromEnv();
    log.level = settings.LOG_LEVEL;
    const node = await startNodeService(settings, log, undefined, undefined, app);
    // The local cluster learns the port and endpoint over IPC.
    process.send?.({ type: 'listening', nodeId: node.nodeId, endpoint: node.endpoint, port: node.port });
    let draining = false;
    const onSignal = (signal: string) => {
      if (draining) return;
      draining = true;
      log.info({ signal }, 'signal received');
      node
        .drain()
        .then(() => process.exit(0))
        .catch((err: Error) => {
          log.error({ err: err.message }, 'drain failed');
          process.exit(1);
        });
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
    process.on('disconnect', () => onSignal('parent-gone'));
    return undefined;
  });
}
