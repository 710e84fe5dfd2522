import { DEFAULTS } from '../../lib/config';
import { DEPLOYED_SCRYPT } from '../../runtime/contract/scrypt';
import { command, flag } from '../command';
import { UsageError } from '../errors';
import { type CliIo, progress } from '../io';
import { renderTable } from '../table';
import { type FleetPlan, PlanError, planFleet } from './fleet-plan';
import { type LoginCpu, measureLoginCpu } from './login-cost';
import { PRICE_TABLES, PRICED_REGIONS } from './prices';

const NAME = 'wslb plan';

export const planCommand = command({
  path: ['plan'],
  summary:
    'Size each strategy for a load: nodes, HAProxy, NLB capacity units, auth Lambda, registry, and a monthly cost.',
  flags: {
    connections: flag.int('connections held at once (required)', { min: 1, max: 10_000_000 }),
    'connect-rate': flag.number('new connections (logins) per second (required)', {
      min: 0,
      max: 1_000_000,
      value: 'R',
    }),
    'message-rate': flag.number(
      'messages per second over all connections, both ways',
      { min: 0, max: 100_000_000, value: 'M' },
      0,
    ),
    'message-bytes': flag.int('payload bytes of a message', { min: 0, max: 16_777_216, value: 'B' }, 128),
    region: flag.string(
      'region whose list prices to use',
      { value: 'REGION', accepts: `one of ${PRICED_REGIONS.join(', ')}` },
      'us-east-1',
    ),
    'max-connections-per-node': flag.int(
      'per-node cap (context maxConnectionsPerNode)',
      { min: 1, max: 1_000_000 },
      DEFAULTS.maxConnectionsPerNode,
    ),
    'instance-type': flag.string(
      'node instance type (context instanceType)',
      { value: 'TYPE', accepts: 'an EC2 instance type like t4g.small' },
      DEFAULTS.instanceType,
    ),
    'haproxy-instance-type': flag.string(
      'HAProxy instance type (default: the stack default, or larger if the source IPs need it)',
      {
        value: 'TYPE',
        accepts: 'an EC2 instance type like c7g.large',
      },
    ),
    'login-cpu-ms': flag.number('CPU ms of one login on one vCPU, if measured (default: measured here now)', {
      min: 0.001,
      max: 600_000,
      value: 'MS',
    }),
    json: flag.boolean('print the plan as one JSON object for scripts'),
  },
  notes: [
    `Logins cost one scrypt check each (N=2^${Math.log2(DEPLOYED_SCRYPT.N)}, r=${DEPLOYED_SCRYPT.r}, p=${DEPLOYED_SCRYPT.p}, as deployed). Without ` +
      '--login-cpu-ms the plan measures its CPU time on this machine (about two seconds); Lambda divides it by ' +
      'the vCPU share the function memory buys.',
    "Prices are list prices of the date shown, not a quote. Uses the stack's own sizing (lib/config.ts), so " +
      'every value it plans with is one `cdk deploy -c` accepts.',
  ],
  async run({ flags }, io) {
    if (flags.connections === undefined) throw new UsageError('--connections: required', NAME);
    if (flags['connect-rate'] === undefined) throw new UsageError('--connect-rate: required', NAME);
    const prices = PRICE_TABLES[flags.region];
    if (!prices) {
      throw new UsageError(
        `--region: got "${flags.region}"; accepted: one of ${PRICED_REGIONS.join(', ')}`,
        NAME,
      );
    }
    let loginCpu: LoginCpu;
    if (flags['login-cpu-ms'] !== undefined) {
      loginCpu = { cpuMs: flags['login-cpu-ms'], source: 'given with --login-cpu-ms' };
    } else {
      progress(io, 'measuring the CPU of one login here (scrypt as deployed, twice)…');
      loginCpu = await measureLoginCpu();
    }
    let plan: FleetPlan;
    try {
      plan = planFleet({
        connections: flags.connections,
        connectRate: flags['connect-rate'],
        messageRate: flags['message-rate'],
        messageBytes: flags['message-bytes'],
        context: {
          maxConnectionsPerNode: flags['max-connections-per-node'],
          instanceType: flags['instance-type'],
          ...(flags['haproxy-instance-type'] ? { haproxyInstanceType: flags['haproxy-instance-type'] } : {}),
        },
        loginCpu,
        prices,
      });
    } catch (err) {
      if (err instanceof PlanError) throw new UsageError(err.message, NAME);
      throw err;
    }
    if (flags.json) io.stdout.write(`${JSON.stringify(plan)}\n`);
    else writePlan(io, plan);
    return 0;
  },
});

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const usd = (n: number) => `$${fmt(n, 2)}`;
const sig = (n: number) => (n === 0 ? '0' : n >= 100 ? fmt(n) : n >= 1 ? fmt(n, 1) : n.toPrecision(2));

function writePlan(io: CliIo, plan: FleetPlan): void {
  const s = plan.strategies;
  const row = (label: string, cell: (p: (typeof s)[number]) => string) => [label, ...s.map(cell)];
  const rows = [
    row('nodes', (p) => `${p.nodes.count} × ${p.nodes.instanceType}`),
    row('  cap per node', (p) => fmt(p.nodes.maxConnectionsPerNode)),
    row('HAProxy', (p) => (p.haproxy ? `${p.haproxy.instances} × ${p.haproxy.instanceType}` : '-')),
    row('  source IPs each', (p) =>
      p.haproxy ? `${p.haproxy.sourceIpsPerInstance} (at most ${p.haproxy.sourceIpLimit})` : '-',
    ),
    row('NLB capacity units', (p) => (p.nlb ? sig(p.nlb.capacityUnits.billed) : '-')),
    row('  new conn / active / GB', (p) =>
      p.nlb
        ? [
            p.nlb.capacityUnits.newConnections,
            p.nlb.capacityUnits.activeConnections,
            p.nlb.capacityUnits.processedBytes,
          ]
            .map(sig)
            .join(' / ')
        : '-',
    ),
    row('login on Lambda, s', (p) => sig(p.auth.secondsPerLogin)),
    row('Lambda concurrency', (p) => `${sig(p.auth.concurrency)} (reserve ${p.auth.reservedConcurrency})`),
    row('Lambda GB-s per s', (p) => sig(p.auth.gbSecondsPerSecond)),
    row(
      'registry writes/s',
      (p) => `${sig(p.registry.heartbeatWritesPerSecond)} (${sig(p.registry.writeUnitsPerSecond)} WRU)`,
    ),
    row(
      'registry reads/s',
      (p) => `${sig(p.registry.fullReadsPerSecond)} (${sig(p.registry.readUnitsPerSecond)} RRU)`,
    ),
    row('public IPv4', (p) => String(p.publicIpv4)),
    row('monthly cost', (p) => usd(p.cost.monthly)),
  ];
  const i = plan.input;
  io.stdout.write(
    `${fmt(i.connections)} connections, ${sig(i.connectRate)} logins/s, ${sig(i.messageRate)} messages/s of ${i.messageBytes} B\n\n`,
  );
  io.stdout.write(renderTable(['', ...s.map((p) => p.strategy)], rows, io));
  io.stdout.write(
    `\nMonthly cost by item (USD, ${plan.prices.region} list prices on ${plan.prices.asOf}):\n`,
  );
  const items = [...new Set(s.flatMap((p) => p.cost.lines.map((l) => l.item)))];
  const costRows = items.map((item) => [
    item,
    ...s.map((p) => {
      const line = p.cost.lines.find((l) => l.item === item);
      return line ? usd(line.monthly) : '-';
    }),
  ]);
  io.stdout.write(renderTable(['', ...s.map((p) => p.strategy)], costRows, io));
  const p = plan.prices;
  io.stdout.write(
    [
      '',
      `Prices assumed (${p.region}, list prices on ${p.asOf}; USD): ` +
        `EC2 ${Object.entries(p.ec2Hourly)
          .filter(([t]) => s.some((x) => x.nodes.instanceType === t || x.haproxy?.instanceType === t))
          .map(([t, v]) => `${t} ${v}/h`)
          .join(', ')}; gp3 ${p.ebsGp3GbMonth}/GB-month; public IPv4 ${p.publicIpv4Hourly}/h; ` +
        `NLB ${p.nlbHourly}/h + ${p.nlcuHourly}/NLCU-h; interface endpoint ${p.interfaceEndpointAzHourly}/AZ-h; ` +
        `Lambda Arm ${p.lambdaArmGbSecond}/GB-s + ${p.lambdaRequestsPerMillion}/M requests; ` +
        `DynamoDB ${p.dynamoDbWriteUnitsPerMillion}/M WRU, ${p.dynamoDbReadUnitsPerMillion}/M RRU; ` +
        `secret ${p.secretMonthly}/month + ${p.secretCallsPer10k}/10k calls; data out ${p.dataOutGb}/GB.`,
      `Sources: ${p.sources.join('; ')}`,
      `Login CPU: ${fmt(plan.loginCpu.cpuMs, 1)} ms (${plan.loginCpu.source}); auth memory ${s[0]!.auth.memoryMb} MB, scrypt ${fmt(s[0]!.auth.scryptMemoryMb)} MiB a login.`,
      ...s.map((x) => `${x.strategy} nodes: ${x.nodes.why}.`),
      `Deploy a plan with its context values ("context" in --json), e.g. direct: npx cdk deploy ${Object.entries(
        s.find((x) => x.strategy === 'direct')?.context ?? {},
      )
        .map(([k, v]) => `-c ${k}=${v}`)
        .join(' ')}`,
      ...plan.notes,
      '',
    ].join('\n'),
  );
}
