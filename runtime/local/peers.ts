import { execFileSync } from 'node:child_process';

/** Established TCP peers of a local listening port, counted by peer address (what the node sees). */
export function peerAddresses(port: number): Map<string, number> {
  const out = execFileSync('ss', ['-Htn', 'state', 'established', `( sport = :${port} )`], {
    encoding: 'utf8',
  });
  const counts = new Map<string, number>();
  for (const line of out.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 4) continue;
    const peer = cols[cols.length - 1];
    const address = peer.slice(0, peer.lastIndexOf(':'));
    counts.set(address, (counts.get(address) ?? 0) + 1);
  }
  return counts;
}
