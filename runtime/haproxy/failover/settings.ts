import { z } from 'zod';
import { decimalInt } from '../../contract/decimal';
import { VRRP_STATE_FILE } from '../../contract/paths';
import { intVar, logLevelVar, parseEnv } from '../../shared/env';
import type { VipTarget } from './vip-mover';

const priority = decimalInt(1, 254).optional();

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
    /** The private address on this ENI the Elastic IP maps to. @default - VIP_PRIVATE_IP, else the primary */
    ELASTIC_IP_PRIVATE_IP: z.ipv4().optional(),
    /** An address outside the VPC CIDR that clients inside the VPC use; a route per table points at the active ENI. */
    OVERLAY_IP: z.ipv4().optional(),
    /** The route tables (comma-separated rtb-…) whose OVERLAY_IP/32 route follows the active instance. */
    OVERLAY_ROUTE_TABLE_IDS: z
      .string()
      .transform((s) => s.split(',').map((id) => id.trim()))
      .pipe(z.array(z.string().regex(/^rtb-[0-9a-f]+$/, 'rtb-…')).min(1))
      .optional(),
    /** This instance's ENI. @default - the primary ENI, from IMDSv2 */
    NETWORK_INTERFACE_ID: z
      .string()
      .regex(/^eni-[0-9a-f]+$/, 'eni-…')
      .optional(),
    /** Where the notify calls record the VRRP state for --reconcile. */
    VRRP_STATE_FILE: z.string().min(1).default(VRRP_STATE_FILE),
    /** keepalived's VRRP child pid file (`-r`): the reconcile loop acts only while that process runs. */
    KEEPALIVED_VRRP_PID_FILE: z.string().min(1).default('/run/keepalived_vrrp.pid'),
    /**
     * This side's and the peer's VRRP priority and primary IP: in a split brain the side VRRP keeps once the
     * two hear each other again keeps the VIP (failover/contest-role.ts). @default - unset: this side yields
     */
    KEEPALIVED_PRIORITY: priority,
    PEER_KEEPALIVED_PRIORITY: priority,
    OWN_IP: z.ipv4().optional(),
    PEER_IP: z.ipv4().optional(),
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
    if (!s.VIP_PRIVATE_IP && !s.VIP_ALLOCATION_ID && !s.OVERLAY_IP) {
      ctx.addIssue({
        code: 'custom',
        path: ['VIP_PRIVATE_IP'],
        message: 'set VIP_PRIVATE_IP, VIP_ALLOCATION_ID and/or OVERLAY_IP',
      });
    }
    if (Boolean(s.OVERLAY_IP) !== Boolean(s.OVERLAY_ROUTE_TABLE_IDS)) {
      ctx.addIssue({
        code: 'custom',
        path: ['OVERLAY_ROUTE_TABLE_IDS'],
        message: 'OVERLAY_IP and OVERLAY_ROUTE_TABLE_IDS go together',
      });
    }
  });

/** The VIP target the settings describe, on `networkInterfaceId` (this instance's ENI). */
export function vipTargetFromSettings(s: FailoverSettings, networkInterfaceId: string): VipTarget {
  return {
    networkInterfaceId,
    privateVip: s.VIP_PRIVATE_IP,
    allocationId: s.VIP_ALLOCATION_ID,
    elasticIpPrivateIp: s.ELASTIC_IP_PRIVATE_IP,
    overlay:
      s.OVERLAY_IP && s.OVERLAY_ROUTE_TABLE_IDS
        ? { cidr: `${s.OVERLAY_IP}/32`, routeTableIds: s.OVERLAY_ROUTE_TABLE_IDS }
        : undefined,
  };
}

export type FailoverSettings = z.infer<typeof failoverSettingsSchema>;

export function failoverSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): FailoverSettings {
  return parseEnv(failoverSettingsSchema, env);
}
