import type { Endpoint } from './settings';

/** One TCP flow as conntrack sees it: the client's original tuple and the target that answers it. */
export interface Flow {
  client: Endpoint;
  /** Where the client sent it (the VIP). */
  destination: Endpoint;
  /** Who answers (after DNAT: the target). */
  replySource: Endpoint;
  /** Where answers go (the client, unless something SNATs). */
  replyDestination: Endpoint;
  state: string;
}

const TUPLE_KEYS = ['src', 'dst', 'sport', 'dport'] as const;

/**
 * Parses `/proc/net/nf_conntrack` lines (`ipv4 2 tcp 6 431999 ESTABLISHED src=… dst=… sport=… dport=…
 * src=… …`) and `conntrack -L` lines (the same without the leading `ipv4 2`). Non-TCP lines are skipped.
 */
export function parseConntrack(text: string): Flow[] {
  const flows: Flow[] = [];
  for (const line of text.split('\n')) {
    const words = line.trim().split(/\s+/);
    const tcp = words.indexOf('tcp');
    if (tcp < 0) continue;
    const tuples: Record<string, string>[] = [{}, {}];
    let which = 0;
    for (const word of words) {
      const eq = word.indexOf('=');
      if (eq < 0) continue;
      const key = word.slice(0, eq) as (typeof TUPLE_KEYS)[number];
      if (!TUPLE_KEYS.includes(key)) continue;
      if (tuples[which][key] !== undefined) which++;
      if (which > 1) break;
      tuples[which][key] = word.slice(eq + 1);
    }
    const [o, r] = tuples;
    if (!TUPLE_KEYS.every((k) => o[k] !== undefined && r[k] !== undefined)) continue;
    flows.push({
      client: { host: o.src, port: Number(o.sport) },
      destination: { host: o.dst, port: Number(o.dport) },
      replySource: { host: r.src, port: Number(r.sport) },
      replyDestination: { host: r.dst, port: Number(r.dport) },
      state: words[tcp + 3] ?? '',
    });
  }
  return flows;
}

const same = (a: Endpoint, b: Endpoint) => a.host === b.host && a.port === b.port;

/** The flows the balancer gave to `target`: sent to the VIP and answered by the target. */
export function flowsTo(flows: Flow[], vip: Endpoint, target: Endpoint): Flow[] {
  return flows.filter((f) => same(f.destination, vip) && same(f.replySource, target));
}
