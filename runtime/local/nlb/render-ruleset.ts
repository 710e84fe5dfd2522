import { isIPv4 } from 'node:net';
import { throwIfProblems } from '../../contract/errors';
import { type Endpoint, NLB_TABLE_DEFAULT } from './settings';

export interface RulesetInput {
  vip: Endpoint;
  /** The targets new flows may go to, in a stable order (map key i is targets[i]). Empty: refuse new flows. */
  targets: Endpoint[];
  /** @default 'wslb_nlb' */
  table?: string;
}

function checkEndpoint(name: string, e: Endpoint, problems: string[]): void {
  if (!isIPv4(e.host)) problems.push(`${name}.host: an IPv4 address (got ${JSON.stringify(e.host)})`);
  if (!Number.isInteger(e.port) || e.port < 1 || e.port > 65535) {
    problems.push(`${name}.port: an integer in [1, 65535] (got ${e.port})`);
  }
}

function validate(input: RulesetInput, table: string): void {
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9_]{0,31}$/.test(table)) problems.push(`table: matches [a-z][a-z0-9_]* (got ${table})`);
  checkEndpoint('vip', input.vip, problems);
  input.targets.forEach((t, i) => {
    checkEndpoint(`targets[${i}]`, t, problems);
  });
  throwIfProblems('nlb ruleset input', problems);
}

/**
 * The whole nftables file for the stand-in: our own table, deleted and re-created in one `nft -f`
 * transaction (the leading `table` line makes the delete valid when the table does not exist yet).
 * Only the first packet of a flow is balanced (`ct state new`); conntrack keeps every later packet on the
 * target it was given, so changing the map never moves an established flow.
 */
export function renderRuleset(input: RulesetInput): string {
  const table = input.table ?? NLB_TABLE_DEFAULT;
  validate(input, table);
  const { vip, targets } = input;
  const match = `ip daddr ${vip.host} tcp dport ${vip.port} ct state new`;
  const action =
    targets.length === 0
      ? 'reject with tcp reset'
      : `dnat ip addr . port to numgen random mod ${targets.length} map { ${targets
          .map((t, i) => `${i} : ${t.host} . ${t.port}`)
          .join(', ')} }`;
  return [
    `# wslb nlb stand-in: ${vip.host}:${vip.port} -> ${targets.length} target(s)`,
    `table ip ${table}`,
    `delete table ip ${table}`,
    `table ip ${table} {`,
    '  chain output {',
    // nft 1.0.6 accepts the name `dstnat` only on prerouting; -100 is its value.
    '    type nat hook output priority -100; policy accept;',
    `    ${match} ${action}`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Removes our table (and nothing else); valid whether or not the table exists. */
export function renderTeardown(table = NLB_TABLE_DEFAULT): string {
  return `table ip ${table}\ndelete table ip ${table}\n`;
}
