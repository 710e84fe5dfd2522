import { LocalCluster, type LocalClusterOptions } from '../runtime/local/local-cluster';
import { onCleanup } from './cleanup';
import { say } from './progress';

export interface StartedCluster {
  cluster: LocalCluster;
  stop(): Promise<void>;
}

/**
 * A local cluster registered for cleanup (`label` names it in the cleanup log). Node processes must start
 * within 15 s; on a machine loaded by other work that can fail once, so a failed start is retried once.
 */
export async function startCluster(
  options: LocalClusterOptions,
  label = 'local cluster',
): Promise<StartedCluster> {
  let cluster: LocalCluster;
  try {
    cluster = await LocalCluster.start(options);
  } catch (err) {
    say(JSON.stringify({ event: 'cluster start failed, retrying', err: (err as Error).message }));
    cluster = await LocalCluster.start(options);
  }
  const unregister = onCleanup(
    label,
    () => cluster.stop(),
    () => cluster.kill(),
  );
  return {
    cluster,
    stop: async () => {
      await cluster.stop();
      unregister();
    },
  };
}
