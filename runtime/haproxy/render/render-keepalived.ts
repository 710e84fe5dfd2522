import { z } from 'zod';
import { parseInput } from '../../contract/errors';

const absolutePath = z.string().regex(/^\/[A-Za-z0-9._/-]+$/, 'an absolute path without spaces or quotes');

/**
 * Input for one side of the Keepalived pair. Both sides start as BACKUP with `nopreempt` (see
 * docs/decisions/0051-keepalived-nopreempt.md); the higher priority wins only when both start together.
 */
export const keepalivedInputSchema = z
  .object({
    /** VRRP instance name. */
    instanceName: z
      .string()
      .regex(/^[A-Za-z0-9_]{1,32}$/)
      .default('WSLB_HAPROXY'),
    /** Interface VRRP runs on and the VIP is added to (`ens5` on Nitro instances). */
    interface: z.string().regex(/^[A-Za-z0-9._-]{1,15}$/, 'an interface name'),
    virtualRouterId: z.number().int().min(1).max(255).default(51),
    /** 1-254; the two sides should differ. */
    priority: z.number().int().min(1).max(254),
    /** VRRP advert interval; VRRPv3 allows below 1 s. 0.5 s: the backup takes over ≤ 1.8 s after the last advert (decision 0092). */
    advertIntSeconds: z.number().min(0.01).max(255).default(0.5),
    /** This instance's primary private IP. */
    unicastSrcIp: z.ipv4(),
    /** The peer's primary private IP (unicast: VPCs carry no multicast). */
    unicastPeers: z.array(z.ipv4()).min(1),
    /**
     * The address that follows the MASTER: a secondary private IP (one subnet) or an overlay IP (outside the
     * VPC CIDR, two AZs). Keepalived adds it to the interface when MASTER so the kernel accepts packets for
     * it; the failover program moves it at the EC2 level (the private IP, or the overlay route).
     */
    vip: z.ipv4(),
    vipPrefixLength: z.number().int().min(1).max(32).default(32),
    /** How to tell HAProxy is alive: an HTTP GET on its monitor URI (default) or the process's presence. */
    check: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('http'), url: z.url().regex(/^http:\/\/[^\s"']+$/) }),
        z.object({ kind: z.literal('pidof') }),
      ])
      .default({ kind: 'http', url: 'http://127.0.0.1:8404/health' }),
    checkIntervalSeconds: z.number().int().min(1).max(60).default(2),
    checkFall: z.number().int().min(1).max(10).default(2),
    checkRise: z.number().int().min(1).max(10).default(2),
    /** The failover program; called with `master`, `backup`, `fault` or `stop` appended. */
    failoverCommand: absolutePath,
    curlPath: absolutePath.default('/usr/bin/curl'),
    pidofPath: absolutePath.default('/usr/bin/pidof'),
  })
  .superRefine((k, ctx) => {
    if (k.unicastPeers.includes(k.unicastSrcIp)) {
      ctx.addIssue({ code: 'custom', path: ['unicastPeers'], message: 'the peer list holds unicastSrcIp' });
    }
    if (k.vip === k.unicastSrcIp || k.unicastPeers.includes(k.vip)) {
      ctx.addIssue({ code: 'custom', path: ['vip'], message: 'the VIP must differ from both primary IPs' });
    }
  });

export type KeepalivedInput = z.input<typeof keepalivedInputSchema>;

/**
 * Typed input → `keepalived.conf` for one side of the pair.
 * @throws {InvalidInputError} (subject `keepalived input`) naming every bad field.
 */
export function renderKeepalivedConfig(input: KeepalivedInput): string {
  const k = parseInput('keepalived input', keepalivedInputSchema, input);
  const script =
    k.check.kind === 'http'
      ? `${k.curlPath} -fsS -m 2 -o /dev/null ${k.check.url}`
      : `${k.pidofPath} haproxy`;
  const notify = (state: string) => `"${k.failoverCommand} ${state}"`;
  return [
    '# Rendered by wslb runtime/haproxy; do not edit by hand.',
    'global_defs {',
    // keepalived 2.2 refuses scripts without a user to run them as; security checks the script paths.
    '  script_user root',
    '  enable_script_security',
    // VRRPv3: sub-second advert intervals; unicast needs no authentication block.
    '  vrrp_version 3',
    '}',
    '',
    'vrrp_script chk_haproxy {',
    `  script "${script}"`,
    `  interval ${k.checkIntervalSeconds}`,
    `  timeout ${k.checkIntervalSeconds + 1}`,
    `  fall ${k.checkFall}`,
    `  rise ${k.checkRise}`,
    '}',
    '',
    `vrrp_instance ${k.instanceName} {`,
    '  state BACKUP',
    `  interface ${k.interface}`,
    `  virtual_router_id ${k.virtualRouterId}`,
    `  priority ${k.priority}`,
    // A VIP move cuts every WebSocket held through it: never move it back just because a peer returned.
    '  nopreempt',
    `  advert_int ${k.advertIntSeconds}`,
    `  unicast_src_ip ${k.unicastSrcIp}`,
    '  unicast_peer {',
    ...k.unicastPeers.map((p) => `    ${p}`),
    '  }',
    '  virtual_ipaddress {',
    `    ${k.vip}/${k.vipPrefixLength} dev ${k.interface}`,
    '  }',
    '  track_script {',
    '    chk_haproxy',
    '  }',
    `  notify_master ${notify('master')}`,
    `  notify_backup ${notify('backup')}`,
    `  notify_fault ${notify('fault')}`,
    `  notify_stop ${notify('stop')}`,
    '}',
    '',
  ].join('\n');
}
