import {
  AssignPrivateIpAddressesCommand,
  AssociateAddressCommand,
  CreateRouteCommand,
  DescribeAddressesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  type EC2Client,
  ReplaceRouteCommand,
} from '@aws-sdk/client-ec2';
import type { Logger } from '../../shared/log';
import { type RetryOptions, withRetry } from './retry';

export interface VipTarget {
  /** This instance's ENI that should hold the VIP. */
  networkInterfaceId: string;
  /** Secondary private IP that moves between the pair: only inside one subnet, so one AZ. */
  privateVip?: string;
  /** Elastic IP allocation to associate with this ENI: it moves across AZs (internet clients). */
  allocationId?: string;
  /**
   * The private address on this ENI the Elastic IP maps to.
   * @default - `privateVip` when given, else the ENI's primary address
   */
  elasticIpPrivateIp?: string;
  /**
   * An overlay IP: an address outside the VPC CIDR whose route (`cidr`, e.g. `192.168.254.1/32`) in each of
   * `routeTableIds` points at the active ENI. Route tables span AZs, so it moves across AZs (private clients).
   */
  overlay?: { cidr: string; routeTableIds: readonly string[] };
}

export interface VipMoverOptions {
  client: EC2Client;
  target: VipTarget;
  logger: Logger;
  retry: RetryOptions;
  /** How long to wait for Describe to show the move. @default 30_000 */
  confirmTimeoutMs?: number;
  /** @default 1_000 */
  confirmIntervalMs?: number;
}

export type MoveOutcome = 'already-ours' | 'moved' | 'not-configured';

export interface VipReport {
  privateIp: MoveOutcome;
  elasticIp: MoveOutcome;
  overlayRoute: MoveOutcome;
}

/** Raised when the VIP could not be moved or the move was not confirmed in time. */
export class VipMoveError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VipMoveError';
  }
}

/**
 * Puts the VIP on this instance's ENI. Idempotent: Describe first, and no write when it is already ours.
 * Each write is retried on throttling and transient errors, then confirmed by polling Describe, since
 * AssignPrivateIpAddresses takes effect asynchronously. The overlay routes move alongside the addresses.
 */
export class VipMover {
  constructor(private readonly options: VipMoverOptions) {}

  async ensure(): Promise<VipReport> {
    const [addresses, overlayRoute] = await Promise.all([
      (async () => {
        const privateIp = await this.ensurePrivateIp();
        return { privateIp, elasticIp: await this.ensureElasticIp() };
      })(),
      this.ensureOverlayRoutes(),
    ]);
    return { ...addresses, overlayRoute };
  }

  /**
   * Whether any part of the VIP still points here: the private VIP on our ENI, the Elastic IP on our ENI, or
   * an overlay route to our ENI. The pair's roll asks this after handing over, before the instance goes.
   */
  async heldHere(): Promise<boolean> {
    const { client, target } = this.options;
    if (target.privateVip && (await this.privateIpIsOurs(target.privateVip))) return true;
    if (target.allocationId) {
      const out = await this.retry('DescribeAddresses', () =>
        client.send(new DescribeAddressesCommand({ AllocationIds: [target.allocationId!] })),
      );
      if (out.Addresses?.[0]?.NetworkInterfaceId === target.networkInterfaceId) return true;
    }
    if (target.overlay && target.overlay.routeTableIds.length > 0) {
      const elsewhere = await this.overlayRoutesElsewhere();
      if (elsewhere.length < target.overlay.routeTableIds.length) return true;
    }
    return false;
  }

  /** Whether every configured address and overlay route points at this instance's ENI now (Describe only). */
  async allHere(): Promise<boolean> {
    const { privateVip, allocationId, overlay } = this.options.target;
    if (privateVip && !(await this.privateIpIsOurs(privateVip))) return false;
    if (allocationId && !(await this.elasticIpIsOurs(allocationId))) return false;
    return !overlay || (await this.overlayRoutesElsewhere()).length === 0;
  }

  private retry<T>(label: string, call: () => Promise<T>): Promise<T> {
    return withRetry(call, {
      ...this.options.retry,
      onRetry: ({ attempt, delayMs, error }) =>
        this.options.logger.warn(
          { event: 'ec2_retry', call: label, attempt, delayMs, err: error },
          'retrying',
        ),
    });
  }

  private async privateIpIsOurs(vip: string): Promise<boolean> {
    const { client, target } = this.options;
    const out = await this.retry('DescribeNetworkInterfaces', () =>
      client.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [target.networkInterfaceId] })),
    );
    const eni = out.NetworkInterfaces?.[0];
    return eni?.PrivateIpAddresses?.some((a) => a.PrivateIpAddress === vip) ?? false;
  }

  private async elasticIpIsOurs(allocationId: string): Promise<boolean> {
    const { client, target } = this.options;
    const out = await this.retry('DescribeAddresses', () =>
      client.send(new DescribeAddressesCommand({ AllocationIds: [allocationId] })),
    );
    const address = out.Addresses?.[0];
    if (address?.NetworkInterfaceId !== target.networkInterfaceId) return false;
    const privateIp = this.elasticIpPrivateIp();
    return privateIp === undefined || address.PrivateIpAddress === privateIp;
  }

  private elasticIpPrivateIp(): string | undefined {
    return this.options.target.elasticIpPrivateIp ?? this.options.target.privateVip;
  }

  /** Route tables whose overlay route does not point at our ENI, and whether each has the route at all. */
  private async overlayRoutesElsewhere(): Promise<{ routeTableId: string; exists: boolean }[]> {
    const { client, target } = this.options;
    const overlay = target.overlay!;
    const out = await this.retry('DescribeRouteTables', () =>
      client.send(new DescribeRouteTablesCommand({ RouteTableIds: [...overlay.routeTableIds] })),
    );
    return overlay.routeTableIds.flatMap((routeTableId) => {
      const table = out.RouteTables?.find((t) => t.RouteTableId === routeTableId);
      const route = table?.Routes?.find((r) => r.DestinationCidrBlock === overlay.cidr);
      const ours = route?.NetworkInterfaceId === target.networkInterfaceId && route.State !== 'blackhole';
      return ours ? [] : [{ routeTableId, exists: route !== undefined }];
    });
  }

  private async ensurePrivateIp(): Promise<MoveOutcome> {
    const { client, target, logger } = this.options;
    const vip = target.privateVip;
    if (!vip) return 'not-configured';
    if (await this.privateIpIsOurs(vip)) {
      logger.info(
        { event: 'vip_already_ours', vip, eni: target.networkInterfaceId },
        'private VIP already here',
      );
      return 'already-ours';
    }
    await this.retry('AssignPrivateIpAddresses', () =>
      client.send(
        new AssignPrivateIpAddressesCommand({
          NetworkInterfaceId: target.networkInterfaceId,
          PrivateIpAddresses: [vip],
          AllowReassignment: true,
        }),
      ),
    );
    await this.confirm(`private VIP ${vip}`, () => this.privateIpIsOurs(vip));
    logger.info({ event: 'vip_moved', vip, eni: target.networkInterfaceId }, 'private VIP moved here');
    return 'moved';
  }

  private async ensureElasticIp(): Promise<MoveOutcome> {
    const { client, target, logger } = this.options;
    const allocationId = target.allocationId;
    if (!allocationId) return 'not-configured';
    if (await this.elasticIpIsOurs(allocationId)) {
      logger.info({ event: 'eip_already_ours', allocationId }, 'Elastic IP already here');
      return 'already-ours';
    }
    await this.retry('AssociateAddress', () =>
      client.send(
        new AssociateAddressCommand({
          AllocationId: allocationId,
          NetworkInterfaceId: target.networkInterfaceId,
          ...(this.elasticIpPrivateIp() ? { PrivateIpAddress: this.elasticIpPrivateIp() } : {}),
          AllowReassociation: true,
        }),
      ),
    );
    await this.confirm(`Elastic IP ${allocationId}`, () => this.elasticIpIsOurs(allocationId));
    logger.info(
      { event: 'eip_moved', allocationId, eni: target.networkInterfaceId },
      'Elastic IP moved here',
    );
    return 'moved';
  }

  /**
   * Points the overlay route of every listed route table at our ENI: ReplaceRoute where the route exists
   * (it points at the peer, or at a deleted ENI: blackhole), CreateRoute where it does not (first failover).
   */
  private async ensureOverlayRoutes(): Promise<MoveOutcome> {
    const { client, target, logger } = this.options;
    const overlay = target.overlay;
    if (!overlay || overlay.routeTableIds.length === 0) return 'not-configured';
    const elsewhere = await this.overlayRoutesElsewhere();
    if (elsewhere.length === 0) {
      logger.info({ event: 'overlay_already_ours', cidr: overlay.cidr }, 'overlay routes already here');
      return 'already-ours';
    }
    for (const { routeTableId, exists } of elsewhere) {
      const input = {
        RouteTableId: routeTableId,
        DestinationCidrBlock: overlay.cidr,
        NetworkInterfaceId: target.networkInterfaceId,
      };
      const create = () => client.send(new CreateRouteCommand(input));
      const replace = () => client.send(new ReplaceRouteCommand(input));
      // The peer may create or the table lose the route between our Describe and our write: try the other.
      await this.retry(exists ? 'ReplaceRoute' : 'CreateRoute', () =>
        (exists ? replace() : create()).catch((error: { name?: string }) => {
          if (exists && error.name === 'InvalidRoute.NotFound') return create();
          if (!exists && error.name === 'RouteAlreadyExists') return replace();
          throw error;
        }),
      );
    }
    await this.confirm(
      `overlay route ${overlay.cidr}`,
      async () => (await this.overlayRoutesElsewhere()).length === 0,
    );
    logger.info(
      {
        event: 'overlay_moved',
        cidr: overlay.cidr,
        routeTables: elsewhere.map((e) => e.routeTableId),
        eni: target.networkInterfaceId,
      },
      'overlay routes moved here',
    );
    return 'moved';
  }

  private async confirm(what: string, isOurs: () => Promise<boolean>): Promise<void> {
    const interval = this.options.confirmIntervalMs ?? 1_000;
    const polls = Math.max(1, Math.ceil((this.options.confirmTimeoutMs ?? 30_000) / interval));
    for (let poll = 0; poll < polls; poll++) {
      if (await isOurs()) return;
      await this.options.retry.sleep(interval);
    }
    throw new VipMoveError(
      `${what} not shown on ${this.options.target.networkInterfaceId} after ${polls} polls`,
    );
  }
}
