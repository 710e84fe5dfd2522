import { z } from 'zod';
import { VRRP_STATE_FILE } from '../../contract/paths';
import { intVar, logLevelVar, parseEnv } from '../../shared/env';

const groupName = z.string().regex(/^[\w.:/-]{1,255}$/, 'an Auto Scaling group name');
const hookName = z.string().regex(/^[A-Za-z0-9._-]{1,255}$/, 'a lifecycle hook name');

/**
 * Settings of the pair's lifecycle program (`wslb-pair-lifecycle ready|watch`), read from the same env file
 * as the agent and the failover program. Each side of the pair is a one-instance Auto Scaling group; the
 * program completes that group's launch hook when the instance is ready and, when the group terminates the
 * instance, hands the VIP over first if it holds it (docs/decisions/0135-haproxy-pair-rolls-standby-first.md).
 */
export const lifecycleSettingsSchema = z.object({
  /** This side's Auto Scaling group. */
  PAIR_GROUP: groupName,
  /** The other side's Auto Scaling group. */
  PEER_GROUP: groupName,
  /** The launch hook the instance completes once ready. */
  LAUNCH_HOOK: hookName,
  /** The termination hook the instance completes once it no longer holds the VIP. */
  TERMINATE_HOOK: hookName,
  /** Where keepalived's notify calls record the state (the failover program writes it). */
  VRRP_STATE_FILE: z.string().min(1).default(VRRP_STATE_FILE),
  /** Stops keepalived, which then sends priority 0 so the peer takes over at once: program and arguments. */
  RELEASE_COMMAND: z
    .string()
    .regex(/^\/\S+( \S+)*$/, 'an absolute program path and arguments, space-separated')
    .default('/usr/bin/systemctl stop keepalived.service'),
  /** HAProxy's monitor URI: 200 when it serves. */
  HEALTH_URL: z
    .url()
    .regex(/^http:\/\//)
    .default('http://127.0.0.1:8404/health'),
  /** How often IMDS's target lifecycle state and the pair's Auto Scaling state are read. */
  LIFECYCLE_POLL_SECONDS: intVar(1, 60, 5),
  /** How often a waiting termination records a heartbeat; below the hook's heartbeat timeout. */
  HEARTBEAT_SECONDS: intVar(10, 3600, 120),
  /** How long a new instance may take to serve before it abandons its launch. */
  READY_TIMEOUT_SECONDS: intVar(10, 7200, 600),
  /** After the release, how long to wait for the peer's failover to take the VIP off this ENI. */
  HANDOVER_CONFIRM_SECONDS: intVar(1, 600, 60),
  AWS_REGION: z.string().min(1).optional(),
  LOG_LEVEL: logLevelVar(),
});

export type LifecycleSettings = z.infer<typeof lifecycleSettingsSchema>;

export function lifecycleSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): LifecycleSettings {
  return parseEnv(lifecycleSettingsSchema, env);
}
