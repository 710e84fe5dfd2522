import { Imds } from '../shared/imds';

export interface InstanceIdentity {
  nodeId: string;
  host: string;
}

/** The instance id and the address clients should use: public for `direct`, private behind a balancer. */
export async function instanceIdentity(
  address: 'public' | 'private',
  imds = new Imds(),
): Promise<InstanceIdentity> {
  const [nodeId, host] = await Promise.all([
    imds.instanceId(),
    imds.get(address === 'public' ? 'public-ipv4' : 'local-ipv4'),
  ]);
  return { nodeId, host };
}
