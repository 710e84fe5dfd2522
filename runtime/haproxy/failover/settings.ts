import { z } from 'zod';
import { intVar, logLevelVar, parseEnv, requireOneOf } from '../../shared/env';

/** The failover program's settings (keepalived runs it with the instance's env file). */
export const failoverSettingsSchema = z
  .object({
    /** Secondary private IP that moves between the pair (the keepalived VIP). */
    VIP_PRIVATE_IP: z.ipv4().optional(),
    /** Elastic IP allocation to associate with this instance (with VIP_PRIVATE_IP when set). */
    VIP_ALLOCATION_ID: z
      .string()
      .regex(/^eipalloc-[0-9a-f]+$/, 'eipalloc-…')
      .optional(),
    /** This instance's ENI. @default - the primary ENI, from IMDSv2 */
    NETWORK_INTERFACE_ID: z
      .string()
      .regex(/^eni-[0-9a-f]+$/, 'eni-…')
      .optional(),
    /** Where the notify calls record the VRRP state for --reconcile. */
    VRRP_STATE_FILE: z.string().min(1).default('/run/wslb/vrrp-state.json'),
    /** Reconcile interval while MASTER. */
    RECONCILE_SECONDS: intVar(1, 3600, 30),
    /** EC2 call attempts in all, with exponential back-off and jitter. */
    FAILOVER_MAX_ATTEMPTS: intVar(1, 20, 6),
    /** How long to wait for Describe to show the moved address. */
    FAILOVER_CONFIRM_SECONDS: intVar(1, 600, 30),
    AWS_REGION: z.string().min(1).optional(),
    LOG_LEVEL: logLevelVar(),
  })
  .superRefine((s, ctx) => {
    requireOneOf(
      s,
      ctx,
      ['VIP_PRIVATE_IP', 'VIP_ALLOCATION_ID'],
      'set VIP_PRIVATE_IP and/or VIP_ALLOCATION_ID',
    );
  });

export type FailoverSettings = z.infer<typeof failoverSettingsSchema>;

export function failoverSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): FailoverSettings {
  return parseEnv(failoverSettingsSchema, env);
}
