import type { Ec2Call } from './ec2-state';

/** One change of the ENI an address is on. */
export interface AddressMove {
  at: number;
  address: 'private VIP' | 'Elastic IP';
  from?: string;
  to: string;
}

/**
 * The owner changes a list of recorded EC2 calls made: each AssignPrivateIpAddresses or AssociateAddress
 * that put an address on an ENI other than the one holding it. `initial` is where each address started.
 */
export function addressMoves(
  calls: readonly Ec2Call[],
  initial: { privateVip?: string; elasticIp?: string } = {},
) {
  const owner: Record<AddressMove['address'], string | undefined> = {
    'private VIP': initial.privateVip,
    'Elastic IP': initial.elasticIp,
  };
  const moves: AddressMove[] = [];
  for (const c of calls) {
    const address =
      c.action === 'AssignPrivateIpAddresses'
        ? 'private VIP'
        : c.action === 'AssociateAddress'
          ? 'Elastic IP'
          : undefined;
    const to = c.params.NetworkInterfaceId;
    if (!address || !to || owner[address] === to) continue;
    moves.push({ at: c.at, address, from: owner[address], to });
    owner[address] = to;
  }
  return { moves, owner };
}
