import { Imds } from '../shared/imds';

export interface InstanceIdentity {
  nodeId: string;
  host: string;
}

/** The instance id and the address clients should use: public for `direct`, private behind a balancer. */
export async function instanceIdentity(
  address: 'public' | 'private',
  // The SDK's variable for another IMDS endpoint (the lifecycle program honours it too): stand-ins in tests.
  imds = new Imds({ endpoint: process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT?.replace(/\/$/, '') }),
): Promise<InstanceIdentity> {
  const [nodeId, host] = await Promise.all([
    imds.instanceId(),
    imds.get(address === 'public' ? 'public-ipv4' : 'local-ipv4'),
  ]);
  return { nodeId, host };
}
