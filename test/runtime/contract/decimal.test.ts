import { parseCommandLine } from '../../../cli/command';
import { planCommand } from '../../../cli/plan/plan-command';
import { parseConfig } from '../../../lib/config';
import { decimalInt, parseDecimalInt } from '../../../runtime/contract/decimal';
import { agentSettingsFromEnv } from '../../../runtime/haproxy/agent/settings';
import { parseLocalArgs } from '../../../runtime/local/args';
import { nodeSettingsFromEnv } from '../../../runtime/node/settings';

/** Spellings that Number() and z.coerce.number() take as a number, and no numeric option of wslb may. */
const LOOSE = ['0x10', '1e1', ' 12', '12 ', '12abc', '', '+12', '1_000', '0b1', 'Infinity', '12.0'];

const message = (run: () => unknown): string => {
  try {
    run();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('accepted');
};

describe('numeric options take plain decimal digits only', () => {
  test('decimalInt: digits within the range, or a JSON number', () => {
    expect(decimalInt(0, 100).parse('12')).toBe(12);
    expect(decimalInt(-5, 100).parse('-3')).toBe(-3);
    expect(decimalInt(0, 100).parse(12)).toBe(12);
    for (const v of LOOSE) expect(decimalInt(0, 100).safeParse(v).success).toBe(false);
    expect(message(() => parseDecimalInt('--logins', '0x10', 1, 10))).toBe(
      '--logins: a whole number in plain decimal digits, e.g. 12 (got "0x10")',
    );
  });

  test('npm start: every numeric flag, each refusal naming the flag', () => {
    expect(parseLocalArgs(['--nodes', '4', '--clients', '0']).nodes).toBe(4);
    for (const flag of ['--nodes', '--clients', '--max-connections', '--auth-instances', '--source-ips']) {
      for (const v of LOOSE) {
        expect(message(() => parseLocalArgs([`${flag}=${v}`]))).toMatch(new RegExp(`^${flag}: `));
      }
    }
  });

  test('wslb: integer and decimal flags, each refusal naming the flag', () => {
    const base = ['--connections', '1000', '--connect-rate', '2.5', '--message-rate', '10'];
    const parsed = parseCommandLine(planCommand, base);
    expect(parsed !== 'help' && parsed.flags['connect-rate']).toBe(2.5);
    for (const v of LOOSE.filter((l) => l !== '12.0')) {
      const without = (flag: string) => base.filter((_, i) => base[i] !== flag && base[i - 1] !== flag);
      expect(
        message(() => parseCommandLine(planCommand, [...without('--connections'), '--connections', v])),
      ).toContain(`--connections: got ${JSON.stringify(v)}`);
      expect(
        message(() => parseCommandLine(planCommand, [...without('--connect-rate'), '--connect-rate', v])),
      ).toContain(`--connect-rate: got ${JSON.stringify(v)}`);
    }
  });

  test('environment settings of the node and the HAProxy agent, each refusal naming the variable', () => {
    const node = { TOKEN_SECRET_FILE: '/tmp/t.json', REGISTRY_TABLE: 'wslb-nodes' };
    expect(nodeSettingsFromEnv({ ...node, MAX_CONNECTIONS: '16' }).MAX_CONNECTIONS).toBe(16);
    expect(agentSettingsFromEnv({ BACKENDS_FILE: '/tmp/b.json', STATS_PORT: '8405' }).STATS_PORT).toBe(8405);
    // An empty variable is unset (its default), as before.
    for (const v of LOOSE.filter((l) => l !== '')) {
      expect(message(() => nodeSettingsFromEnv({ ...node, MAX_CONNECTIONS: v }))).toContain(
        `MAX_CONNECTIONS: a whole number in plain decimal digits, e.g. 12 (got ${JSON.stringify(v)})`,
      );
      expect(
        message(() => agentSettingsFromEnv({ BACKENDS_FILE: '/tmp/b.json', MAX_CONNECTIONS_PER_NODE: v })),
      ).toContain('MAX_CONNECTIONS_PER_NODE: a whole number');
    }
  });

  test('CDK context given as -c strings', () => {
    expect(parseConfig({ strategy: 'nlb', wsPort: '9000' }).wsPort).toBe(9000);
    // 9000 in spellings that Number() reads as 9000.
    for (const v of [' 9000', '9000 ', '0x2328', '9e3', '9000.0', '+9000']) {
      expect(message(() => parseConfig({ strategy: 'nlb', wsPort: v }))).toContain(
        `wsPort: got ${JSON.stringify(v)}`,
      );
    }
  });
});
