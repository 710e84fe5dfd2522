import { DescribeInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { Ec2BackendSource } from '../../../../runtime/haproxy/discovery/ec2-backend-source';
import { fakeEc2Client } from '../helpers/ec2';

const tag = { Key: 'wslb:fleet', Value: 'prod' };
const instance = (id: string, ip: string, state = 'running', tags = [tag]): Instance => ({
  InstanceId: id,
  PrivateIpAddress: ip,
  State: { Name: state as 'running' },
  Tags: tags,
});

describe('Ec2BackendSource', () => {
  const client = fakeEc2Client();
  const ec2 = mockClient(client);
  afterEach(() => ec2.reset());
  afterAll(() => ec2.restore());

  const source = () => new Ec2BackendSource({ client, tagKey: 'wslb:fleet', tagValue: 'prod', port: 8080 });

  it('asks for the fleet tag and running instances, reads every page, and maps id/host/port', async () => {
    const pages = [
      {
        Reservations: [{ Instances: [instance('i-0b', '10.0.1.2'), instance('i-0a', '10.0.1.1')] }],
        NextToken: 'page-2',
      },
      { Reservations: [{ Instances: [instance('i-0c', '10.0.1.3')] }], NextToken: 'page-3' },
      { Reservations: [{ Instances: [instance('i-0d', '10.0.1.4')] }] },
    ];
    // The paginator reuses one input object and sets NextToken on it: copy each request as it is sent.
    const inputs: unknown[] = [];
    ec2.on(DescribeInstancesCommand).callsFake((input) => {
      inputs.push(structuredClone(input));
      return pages[inputs.length - 1];
    });

    expect(await source().list()).toEqual([
      { id: 'i-0a', host: '10.0.1.1', port: 8080 },
      { id: 'i-0b', host: '10.0.1.2', port: 8080 },
      { id: 'i-0c', host: '10.0.1.3', port: 8080 },
      { id: 'i-0d', host: '10.0.1.4', port: 8080 },
    ]);
    const filters = [
      { Name: 'tag:wslb:fleet', Values: ['prod'] },
      { Name: 'instance-state-name', Values: ['running'] },
    ];
    expect(inputs).toEqual([
      { Filters: filters, MaxResults: 100 },
      { Filters: filters, MaxResults: 100, NextToken: 'page-2' },
      { Filters: filters, MaxResults: 100, NextToken: 'page-3' },
    ]);
  });

  it('leaves out instances that are not running, not tagged for this fleet, or have no private IP', async () => {
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            instance('i-ok', '10.0.1.1'),
            instance('i-stopping', '10.0.1.2', 'stopping'),
            instance('i-pending', '10.0.1.3', 'pending'),
            instance('i-other-fleet', '10.0.1.4', 'running', [{ Key: 'wslb:fleet', Value: 'staging' }]),
            instance('i-untagged', '10.0.1.5', 'running', []),
            { InstanceId: 'i-no-ip', State: { Name: 'running' }, Tags: [tag] },
          ],
        },
      ],
    });
    expect(await source().list()).toEqual([{ id: 'i-ok', host: '10.0.1.1', port: 8080 }]);
  });

  it('returns an empty list for an empty answer and passes API errors on', async () => {
    ec2.on(DescribeInstancesCommand).resolvesOnce({}).rejectsOnce(new Error('UnauthorizedOperation'));
    expect(await source().list()).toEqual([]);
    await expect(source().list()).rejects.toThrow('UnauthorizedOperation');
  });

  it('stops a pagination that never ends', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [], NextToken: 'again' });
    const bounded = new Ec2BackendSource({ client, tagKey: 'k', tagValue: 'v', port: 1, maxPages: 3 });
    await expect(bounded.list()).rejects.toThrow('more than 3 pages');
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(4);
  });
});
