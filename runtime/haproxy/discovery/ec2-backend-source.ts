import { type EC2Client, type Filter, paginateDescribeInstances } from '@aws-sdk/client-ec2';
import type { Backend, BackendSource } from './backend-source';

export interface Ec2BackendSourceOptions {
  client: EC2Client;
  /** Tag that marks the fleet's instances, e.g. `wslb:fleet`. */
  tagKey: string;
  tagValue: string;
  /** The WS port on every node. */
  port: number;
  /** @default 100 */
  pageSize?: number;
  /** Stops a runaway pagination. @default 100 */
  maxPages?: number;
}

/** The running instances that carry the fleet tag, read over every page of DescribeInstances. */
export class Ec2BackendSource implements BackendSource {
  constructor(private readonly options: Ec2BackendSourceOptions) {}

  filters(): Filter[] {
    return [
      { Name: `tag:${this.options.tagKey}`, Values: [this.options.tagValue] },
      { Name: 'instance-state-name', Values: ['running'] },
    ];
  }

  async list(): Promise<Backend[]> {
    const { client, port, pageSize = 100, maxPages = 100 } = this.options;
    const backends: Backend[] = [];
    let pages = 0;
    const pager = paginateDescribeInstances({ client, pageSize }, { Filters: this.filters() });
    for await (const page of pager) {
      pages += 1;
      if (pages > maxPages) throw new Error(`DescribeInstances returned more than ${maxPages} pages`);
      for (const reservation of page.Reservations ?? []) {
        for (const instance of reservation.Instances ?? []) {
          // The filter already asks for running instances; checking again guards against a stale page.
          if (instance.State?.Name !== 'running') continue;
          if (!instance.InstanceId || !instance.PrivateIpAddress) continue;
          const tagged = instance.Tags?.some(
            (t) => t.Key === this.options.tagKey && t.Value === this.options.tagValue,
          );
          if (!tagged) continue;
          backends.push({ id: instance.InstanceId, host: instance.PrivateIpAddress, port });
        }
      }
    }
    return backends.sort((a, b) => a.id.localeCompare(b.id));
  }
}
