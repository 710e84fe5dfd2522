/**
 * An nftables table that makes conntrack follow every flow in a namespace from its first packet.
 *
 * Why: the kernel NLB stand-in DNATs flows to the VIP onto a node's 127.0.0.1 port. conntrack starts tracking a
 * namespace's flows only when the first table that needs it is loaded, so when the stand-in starts in a namespace
 * that already carries flows — a live switch from `direct` to `nlb` — the clients' direct flows to the nodes are
 * not in the table. A new VIP flow can then be DNATed onto the very 4-tuple of a direct flow (same client port,
 * same node port), and the node's packets on that direct flow (its 1012 close, its FIN) are un-NATed to the VIP
 * flow: the direct client never learns it was moved and stays open forever (chaos 16 left 100–230 of 10,000).
 * With every flow tracked, conntrack sees the clash and gives the VIP flow another source port.
 * See docs/decisions/0180-conntrack-follows-every-flow-in-a-namespace.md.
 */
export const FLOW_TRACKING_TABLE = 'wslb_track';

/** The table (a counter on each new flow, accepting everything); `nft -f` input. */
export function renderFlowTracking(table = FLOW_TRACKING_TABLE): string {
  return [
    `table ip ${table} {`,
    '  chain output {',
    // Before the NAT hook (-100), so the flow is known when the stand-in's DNAT runs.
    '    type filter hook output priority -300; policy accept;',
    '    ct state new counter',
    '  }',
    '}',
    '',
  ].join('\n');
}
