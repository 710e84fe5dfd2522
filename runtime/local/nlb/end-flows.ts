import { execInNamespace } from '../netns';
import { type Flow, flowsTo, parseConntrack } from './conntrack';
import type { Endpoint } from './settings';

/** Terms per `ss` call: keeps each filter expression short. */
const BATCH = 100;

/**
 * `ss -K` filters that match the target's own socket of each flow (local = target, peer = client as the
 * target sees it). Destroying that socket makes the kernel send a RST, which conntrack rewrites to come
 * from the VIP, so the client's socket is reset too: both ends learn the flow is over, as with the NLB.
 */
export function killFilters(flows: Flow[]): string[] {
  const terms = flows.map(
    (f) =>
      `( src ${f.replySource.host}:${f.replySource.port} and dst ${f.replyDestination.host}:${f.replyDestination.port} )`,
  );
  const filters: string[] = [];
  for (let i = 0; i < terms.length; i += BATCH) filters.push(terms.slice(i, i + BATCH).join(' or '));
  return filters;
}

async function readConntrack(namespace: string): Promise<string> {
  const proc = await execInNamespace(namespace, 'cat', ['/proc/net/nf_conntrack'], { check: false });
  if (proc.code === 0) return proc.stdout;
  // Kernels built without CONFIG_NF_CONNTRACK_PROCFS: the conntrack tool (Debian `conntrack`) lists the same.
  const tool = await execInNamespace(namespace, 'conntrack', ['-L', '-p', 'tcp'], { check: false }).catch(
    (error: Error) => ({ code: 1, stdout: '', stderr: error.message }),
  );
  if (tool.code === 0) return tool.stdout;
  throw new Error(
    `cannot list conntrack entries: ${proc.stderr.trim()}; conntrack -L: ${tool.stderr.trim()}`,
  );
}

/**
 * End every established flow the VIP gave to `target` (the NLB's connection termination after the
 * deregistration delay). Returns how many sockets were destroyed. Needs CONFIG_INET_DIAG_DESTROY.
 */
export async function endFlows(namespace: string, vip: Endpoint, target: Endpoint): Promise<number> {
  const flows = flowsTo(parseConntrack(await readConntrack(namespace)), vip, target).filter(
    (f) => f.state === 'ESTABLISHED',
  );
  let ended = 0;
  for (const filter of killFilters(flows)) {
    const out = await execInNamespace(namespace, 'ss', [
      '-K',
      '-t',
      '-4',
      '-n',
      '-H',
      'state',
      'established',
      filter,
    ]);
    ended += out.stdout.split('\n').filter((line) => line.trim() !== '').length;
  }
  await forgetFlows(namespace, vip, target);
  return ended;
}

/**
 * Drop the ended flows' conntrack entries too. Left behind (state CLOSE), an entry still maps its 5-tuple
 * to the old target: a client that reconnects from the same source port would be sent back to the node
 * that just left, which the NLB never does once a flow is over.
 */
async function forgetFlows(namespace: string, vip: Endpoint, target: Endpoint): Promise<void> {
  await execInNamespace(
    namespace,
    'conntrack',
    [
      '-D',
      '-p',
      'tcp',
      '-d',
      vip.host,
      '--dport',
      String(vip.port),
      '-r',
      target.host,
      '--reply-port-src',
      String(target.port),
    ],
    { check: false },
  );
}
