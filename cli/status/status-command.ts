import { FRESHNESS_MS } from '../../runtime/contract/defaults';
import { createDocumentClient, DynamoDbRegistry } from '../../runtime/registry';
import { command, flag } from '../command';
import { CliError, UsageError } from '../errors';
import { type CliIo, progress } from '../io';
import { renderTable } from '../table';
import { type RegistryStatus, readRegistryStatus } from './registry-status';

const DEFAULT_FRESHNESS_MS = FRESHNESS_MS;

export const statusCommand = command({
  path: ['status'],
  summary:
    'Show the node registry as the auth service sees it: nodes, state, connections, heartbeat age, headroom.',
  flags: {
    'table-name': flag.string(
      'the registry table: the stack output RegistryTableName; the local cluster prints its own',
      {
        value: 'NAME',
        accepts: 'a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)',
        pattern: /^[A-Za-z0-9_.-]{3,255}$/,
      },
    ),
    endpoint: flag.string("a DynamoDB endpoint other than AWS: the local cluster's registry", {
      value: 'URL',
      accepts: 'an http(s) URL',
      pattern: /^https?:\/\/\S+$/,
    }),
    region: flag.string('AWS region of the table (default: the SDK chain)', {
      value: 'REGION',
      accepts: 'a region name like eu-west-1',
      pattern: /^[a-z]{2}(-[a-z]+)+-\d$/,
    }),
    'freshness-ms': flag.int(
      'ignore entries whose heartbeat is older, as the auth service does',
      { min: 500, max: 600_000, value: 'MS' },
      DEFAULT_FRESHNESS_MS,
    ),
    json: flag.boolean('print the status as one JSON object for scripts'),
  },
  notes: [
    "Reads the table once with the auth service's registry view (the same Scan and freshness filter). " +
      '"offered" nodes are those auth may send a new client to: active and below their cap.',
  ],
  async run({ flags }, io) {
    if (flags['table-name'] === undefined) {
      throw new UsageError('--table-name: required', 'wslb status');
    }
    const client = createDocumentClient(flags.endpoint, flags.region);
    try {
      const registry = new DynamoDbRegistry({
        tableName: flags['table-name'],
        client,
        freshnessMs: flags['freshness-ms'],
      });
      progress(io, `reading ${flags['table-name']}${flags.endpoint ? ` at ${flags.endpoint}` : ''}…`);
      const status = await readRegistryStatus(registry, { freshnessMs: flags['freshness-ms'] }).catch(
        (err: Error) => {
          throw new CliError(`cannot read the registry table ${flags['table-name']}`, { cause: err });
        },
      );
      if (flags.json) io.stdout.write(`${JSON.stringify({ table: flags['table-name'], ...status })}\n`);
      else writeStatus(io, status);
      return 0;
    } finally {
      client.destroy();
    }
  },
});

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function writeStatus(io: CliIo, s: RegistryStatus): void {
  const rows = s.nodes.map((n) => [
    n.nodeId,
    n.state,
    String(n.connections),
    String(n.capacity),
    String(n.headroom),
    seconds(n.heartbeatAgeMs),
    n.offered ? 'yes' : 'no',
    n.endpoint,
  ]);
  io.stdout.write(
    renderTable(
      ['node', 'state', 'connections', 'capacity', 'headroom', 'heartbeat age', 'offered', 'endpoint'],
      rows,
      io,
    ),
  );
  const t = s.totals;
  io.stdout.write(
    `${t.nodes} fresh nodes (${t.active} active, ${t.draining} draining): ${t.connections} of ${t.capacity} ` +
      `connections, headroom ${t.headroom}; ${s.staleIgnored} stale entries ignored (older than ${seconds(s.freshnessMs)})\n`,
  );
  if (s.path) {
    const held = Object.entries(t.byPath)
      .map(([path, n]) => `${path} ${n}`)
      .join(', ');
    io.stdout.write(
      `current path ${s.path.strategy}${s.path.retiring ? ` (retiring ${s.path.retiring})` : ''}; ` +
        `connections by path: ${held || 'none'}\n`,
    );
  }
}
