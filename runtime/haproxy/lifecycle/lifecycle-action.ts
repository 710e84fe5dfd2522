import {
  type AutoScalingClient,
  CompleteLifecycleActionCommand,
  RecordLifecycleActionHeartbeatCommand,
} from '@aws-sdk/client-auto-scaling';
import type { Logger } from '../../shared/log';
import { type RetryOptions, withRetry } from '../failover/retry';

export interface LifecycleActionOptions {
  readonly client: AutoScalingClient;
  readonly group: string;
  readonly instanceId: string;
  readonly logger: Logger;
  readonly retry: RetryOptions;
}

/** Auto Scaling answers this when the instance has no pending action on that hook (already completed, timed out). */
const NO_ACTIVE_ACTION = /No active Lifecycle Action found/i;

/** Completes and heartbeats one instance's lifecycle actions, retrying throttling and transient errors. */
export class LifecycleAction {
  constructor(private readonly options: LifecycleActionOptions) {}

  /**
   * CONTINUE or ABANDON the action on `hook`. Returns false when there was no pending action (the hook
   * timed out, or the instance is not waiting on it): nothing left to complete.
   */
  async complete(hook: string, result: 'CONTINUE' | 'ABANDON'): Promise<boolean> {
    const { client, group, instanceId, logger } = this.options;
    try {
      await this.call('CompleteLifecycleAction', () =>
        client.send(
          new CompleteLifecycleActionCommand({
            AutoScalingGroupName: group,
            LifecycleHookName: hook,
            InstanceId: instanceId,
            LifecycleActionResult: result,
          }),
        ),
      );
    } catch (error) {
      if (NO_ACTIVE_ACTION.test(String((error as Error).message))) {
        logger.warn(
          { event: 'no_lifecycle_action', hook, result },
          'no pending lifecycle action to complete',
        );
        return false;
      }
      throw error;
    }
    logger.info({ event: 'lifecycle_completed', hook, result, group }, `lifecycle action ${result}`);
    return true;
  }

  /** Keeps a waiting action alive for another heartbeat timeout. */
  async heartbeat(hook: string): Promise<void> {
    const { client, group, instanceId } = this.options;
    await this.call('RecordLifecycleActionHeartbeat', () =>
      client.send(
        new RecordLifecycleActionHeartbeatCommand({
          AutoScalingGroupName: group,
          LifecycleHookName: hook,
          InstanceId: instanceId,
        }),
      ),
    );
  }

  private call<T>(label: string, what: () => Promise<T>): Promise<T> {
    return withRetry(what, {
      ...this.options.retry,
      onRetry: ({ attempt, delayMs, error }) =>
        this.options.logger.warn(
          { event: 'autoscaling_retry', call: label, attempt, delayMs, err: error },
          'retrying',
        ),
    });
  }
}
