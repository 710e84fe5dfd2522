import { flowsTo, killFilters, parseConntrack } from '../../../../runtime/local/nlb';

// Lines as this kernel prints them in /proc/net/nf_conntrack inside the namespace, and as `conntrack -L` does.
const PROC = `ipv4     2 tcp      6 431999 ESTABLISHED src=127.0.3.3 dst=127.0.9.9 sport=52410 dport=8000 src=127.0.0.1 dst=127.0.3.3 sport=9102 dport=52410 [ASSURED] mark=0 zone=0 use=2
ipv4     2 tcp      6 431999 ESTABLISHED src=127.0.3.3 dst=127.0.9.9 sport=52376 dport=8000 src=127.0.0.1 dst=127.0.3.3 sport=9101 dport=52376 [ASSURED] mark=0 zone=0 use=2
ipv4     2 tcp      6 117 TIME_WAIT src=127.0.3.3 dst=127.0.9.9 sport=52000 dport=8000 src=127.0.0.1 dst=127.0.3.3 sport=9101 dport=52000 [ASSURED] mark=0 zone=0 use=2
ipv4     2 tcp      6 119 SYN_SENT src=127.0.0.1 dst=127.0.0.1 sport=40000 dport=9101 [UNREPLIED] src=127.0.0.1 dst=127.0.0.1 sport=9101 dport=40000 mark=0 zone=0 use=2
ipv4     2 udp      17 29 src=127.0.0.1 dst=127.0.0.53 sport=5353 dport=53 src=127.0.0.53 dst=127.0.0.1 sport=53 dport=5353 mark=0 use=1
`;
const TOOL =
  'tcp      6 431999 ESTABLISHED src=127.0.3.3 dst=127.0.9.9 sport=52376 dport=8000 src=127.0.0.1 dst=127.0.3.3 sport=9101 dport=52376 [ASSURED] mark=0 use=1\n' +
  'conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.\n';

const vip = { host: '127.0.9.9', port: 8000 };
const t1 = { host: '127.0.0.1', port: 9101 };

describe('conntrack parsing', () => {
  it('reads both tuples of TCP entries and skips other protocols', () => {
    const flows = parseConntrack(PROC);
    expect(flows).toHaveLength(4);
    expect(flows[1]).toEqual({
      client: { host: '127.0.3.3', port: 52376 },
      destination: vip,
      replySource: t1,
      replyDestination: { host: '127.0.3.3', port: 52376 },
      state: 'ESTABLISHED',
    });
    expect(flows[3].state).toBe('SYN_SENT');
  });

  it('reads the conntrack tool’s format the same way', () => {
    expect(parseConntrack(TOOL)).toEqual([parseConntrack(PROC)[1]]);
  });

  it('picks the flows the VIP gave to one target, not direct connections to it', () => {
    const flows = flowsTo(parseConntrack(PROC), vip, t1);
    expect(flows.map((f) => `${f.client.port}:${f.state}`)).toEqual(['52376:ESTABLISHED', '52000:TIME_WAIT']);
  });
});

describe('killFilters', () => {
  it('matches the target’s own socket of each flow, 100 flows per ss call', () => {
    const flows = parseConntrack(PROC).slice(0, 2);
    expect(killFilters(flows)).toEqual([
      '( src 127.0.0.1:9102 and dst 127.0.3.3:52410 ) or ( src 127.0.0.1:9101 and dst 127.0.3.3:52376 )',
    ]);
    const many = Array.from({ length: 250 }, () => flows[0]);
    expect(killFilters(many).map((f) => f.split(' or ').length)).toEqual([100, 100, 50]);
    expect(killFilters([])).toEqual([]);
  });
});
