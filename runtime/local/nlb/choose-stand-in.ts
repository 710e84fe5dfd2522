import { checkNamespaceSupport, currentNamespace } from '../netns';

export type StandInChoice =
  | { kind: 'kernel' /** set when this process already runs inside the namespace */; namespace?: string }
  | { kind: 'haproxy-tcp'; reason: string };

/**
 * Which NLB stand-in can run here: the kernel balancer when this process already runs in a wslb namespace or
 * could create one (root, `ip`, `nft`); otherwise, or when WSLB_NLB_FALLBACK=1, the HAProxy `mode tcp` /
 * `balance random` fallback.
 */
export function chooseNlbStandIn(env: NodeJS.ProcessEnv = process.env): StandInChoice {
  if (env.WSLB_NLB_FALLBACK === '1') return { kind: 'haproxy-tcp', reason: 'WSLB_NLB_FALLBACK=1' };
  const namespace = currentNamespace(env);
  if (namespace) return { kind: 'kernel', namespace };
  const support = checkNamespaceSupport();
  return support.available ? { kind: 'kernel' } : { kind: 'haproxy-tcp', reason: support.reason };
}
