/** How this side's reconcile loop answers the VIP being taken while it is MASTER (a split brain). */
export type ContestRole = 'keep' | 'yield';

export interface VrrpRank {
  priority?: number;
  /** Primary IPv4 address: VRRP's tie-break between equal priorities. */
  ip?: string;
}

const ipValue = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);

/**
 * The side VRRP keeps as MASTER once the two hear each other again keeps the VIP in a split brain: a MASTER
 * that receives an advert with a higher priority, or an equal priority from a higher primary address,
 * becomes BACKUP (RFC 5798 §6.4.3; keepalived's `nopreempt` only holds a BACKUP back). Any other outcome
 * leaves the VIP on the side that turns BACKUP when the split heals. Unknown ranks yield.
 */
export function contestRole(own: VrrpRank, peer: VrrpRank): ContestRole {
  if (own.priority === undefined || peer.priority === undefined) return 'yield';
  if (own.priority !== peer.priority) return own.priority > peer.priority ? 'keep' : 'yield';
  if (!own.ip || !peer.ip) return 'yield';
  return ipValue(own.ip) > ipValue(peer.ip) ? 'keep' : 'yield';
}
