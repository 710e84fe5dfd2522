const IMDS = 'http://169.254.169.254/latest';

/** Reads one value from EC2 instance metadata with an IMDSv2 session token (IMDSv1 is disabled by the fleet). */
async function imds(path: string): Promise<string> {
  const tokenRes = await fetch(`${IMDS}/api/token`, {
    method: 'PUT',
    headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60' },
    signal: AbortSignal.timeout(2000),
  });
  if (!tokenRes.ok) throw new Error(`IMDS token request failed: ${tokenRes.status}`);
  const token = await tokenRes.text();
  const res = await fetch(`${IMDS}/meta-data/${path}`, {
    headers: { 'X-aws-ec2-metadata-token': token },
    signal: AbortSignal.timeout(2000),
  });
  if (!res.ok) throw new Error(`IMDS ${path} failed: ${res.status}`);
  return res.text();
}

export interface InstanceIdentity {
  nodeId: string;
  host: string;
}

/** The instance id and the address clients should use: public for `direct`, private behind a balancer. */
export async function instanceIdentity(address: 'public' | 'private'): Promise<InstanceIdentity> {
  const [nodeId, host] = await Promise.all([
    imds('instance-id'),
    imds(address === 'public' ? 'public-ipv4' : 'local-ipv4'),
  ]);
  return { nodeId, host };
}
