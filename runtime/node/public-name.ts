import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  InvalidChangeBatch,
  Route53Client,
} from '@aws-sdk/client-route-53';
import type { Logger } from 'pino';
import { awsClientConfig } from '../shared/aws-client';

/** TTL of a node's record, seconds: short, since a node's address is gone when the node is. */
export const NODE_RECORD_TTL_SECONDS = 60;
/** How long a node waits for Route 53 to report its record in sync before it gives up starting, ms. */
export const RECORD_SYNC_TIMEOUT_MS = 180_000;

export interface PublicNameOptions {
  readonly hostedZoneId: string;
  /** The zone's name; the node's name is `<nodeId>.<zoneName>` (what the wildcard certificate covers). */
  readonly zoneName: string;
  readonly nodeId: string;
  /** The node's public IPv4 address. */
  readonly address: string;
  readonly log: Logger;
  readonly client?: Route53Client;
  /** @default 5_000 */
  readonly pollMs?: number;
  /** @default {@link RECORD_SYNC_TIMEOUT_MS} */
  readonly syncTimeoutMs?: number;
}

/** The name a node is reached by, and its removal (at drain). */
export interface PublicName {
  /** `<nodeId>.<zoneName>`, lower case. */
  readonly host: string;
  /** Deletes the record; one already gone counts as removed. Never throws: a failure is logged. */
  remove(): Promise<void>;
}

/** A DNS label: what one `*` of a wildcard certificate covers. */
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Publishes `<nodeId>.<zoneName> A <address>` in the operator's hosted zone (UPSERT, so a restarted node takes
 * its record back) and waits until Route 53 reports the change INSYNC on its name servers, so the auth service
 * never hands out a name that does not resolve yet (the first heartbeat comes after). Throws when the node id
 * is not one DNS label, or the change is refused or not in sync within `syncTimeoutMs`.
 */
export async function publishName(options: PublicNameOptions): Promise<PublicName> {
  const label = options.nodeId.toLowerCase();
  if (!LABEL.test(label)) {
    throw new Error(`node id ${options.nodeId} is not a DNS label: no name under ${options.zoneName} for it`);
  }
  const host = `${label}.${options.zoneName}`;
  const client = options.client ?? new Route53Client(awsClientConfig({ region: 'us-east-1' }));
  const record = {
    Name: host,
    Type: 'A' as const,
    TTL: NODE_RECORD_TTL_SECONDS,
    ResourceRecords: [{ Value: options.address }],
  };
  const change = (Action: 'UPSERT' | 'DELETE') =>
    client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: options.hostedZoneId,
        ChangeBatch: {
          Comment: `wslb node ${options.nodeId}`,
          Changes: [{ Action, ResourceRecordSet: record }],
        },
      }),
    );
  const out = await change('UPSERT');
  const id = out.ChangeInfo?.Id;
  const deadline = Date.now() + (options.syncTimeoutMs ?? RECORD_SYNC_TIMEOUT_MS);
  let status = out.ChangeInfo?.Status;
  while (status !== 'INSYNC') {
    if (!id || Date.now() >= deadline) {
      throw new Error(`Route 53 change ${id ?? '(no id)'} for ${host} not in sync in time (${status})`);
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 5_000));
    status = (await client.send(new GetChangeCommand({ Id: id }))).ChangeInfo?.Status;
  }
  options.log.info({ event: 'dns_record_published', host, address: options.address }, 'public name in sync');
  return {
    host,
    remove: async () => {
      try {
        await change('DELETE');
        options.log.info({ event: 'dns_record_removed', host }, 'public name removed');
      } catch (error) {
        // Already deleted (a second drain, an operator): Route 53 refuses to delete what is not there.
        if (error instanceof InvalidChangeBatch && /not found/i.test(error.message)) return;
        options.log.warn({ event: 'dns_record_remove_failed', host, err: (error as Error).message }, 'kept');
      }
    },
  };
}
