import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { buildUrl } from '../../contract/url';
import { type KeepalivedInput, renderKeepalivedConfig } from '../render/render-keepalived';
import type { AgentSettings } from './settings';

/** keepalived.conf input from the agent's settings; undefined when this host runs no keepalived (no OWN_IP). */
export function keepalivedInputFromSettings(s: AgentSettings): KeepalivedInput | undefined {
  if (!s.OWN_IP) return undefined;
  const statsHost = s.STATS_ADDRESS === '0.0.0.0' ? '127.0.0.1' : s.STATS_ADDRESS;
  return {
    interface: s.VRRP_INTERFACE!,
    priority: s.KEEPALIVED_PRIORITY!,
    virtualRouterId: s.VRRP_ROUTER_ID,
    unicastSrcIp: s.OWN_IP,
    unicastPeers: [s.PEER_IP!],
    vip: (s.OVERLAY_IP ?? s.VIP_PRIVATE_IP)!,
    check: { kind: 'http', url: buildUrl('http', statsHost, s.STATS_PORT, '/health') },
    failoverCommand: s.FAILOVER_COMMAND!,
  };
}

/** Writes keepalived.conf atomically when its text changed. Returns whether it wrote. */
export async function writeKeepalivedConfig(path: string, input: KeepalivedInput): Promise<boolean> {
  const text = renderKeepalivedConfig(input);
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current === text) return false;
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode: 0o644 });
  await rename(tmp, path);
  return true;
}
