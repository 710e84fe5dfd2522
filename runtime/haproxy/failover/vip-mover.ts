import {
  AssignPrivateIpAddressesCommand,
  AssociateAddressCommand,
  DescribeAddressesCommand,
  DescribeNetworkInterfacesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import type { Logger } from '../../shared/log';
import { type RetryOptions, withRetry } from './retry';

export interface VipTarget {
  /** This instance's ENI that should hold the VIP. */
  networkInterfaceId: string;
  /** Secondary private IP that moves between the pair. */
  privateVip?: string;
  /** Elastic IP allocation to associate with this ENI (with `privateVip` when given, else its primary IP). */
  allocationId?: string;
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
 * AssignPrivateIpAddresses takes effect asynchronously.
 */
export class VipMover {
  constructor(private readonly options: VipMoverOptions) {}

  async ensure(): Promise<VipReport> {
    const privateIp = await this.ensurePrivateIp();
    const elasticIp = await this.ensureElasticIp();
    return { privateIp, elasticIp };
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
    return target.privateVip === undefined || address.PrivateIpAddress === target.privateVip;
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
          ...(target.privateVip ? { PrivateIpAddress: target.privateVip } : {}),
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
