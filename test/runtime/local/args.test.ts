import { LOCAL_FLAGS, parseLocalArgs } from '../../../runtime/local/args';
import { refusal } from './local-args-refusal';

const valueFlags = Object.entries(LOCAL_FLAGS)
  .filter(([, o]) => o.type === 'string')
  .map(([name]) => name);

describe('npm start: a value flag is given once', () => {
  test.each(valueFlags)('--%s given twice is refused, naming it and both values', (name) => {
    expect(refusal([`--${name}`, 'a', `--${name}=b`])).toContain(
      `--${name}: given 2 times ("a", "b"); give it once`,
    );
  });

  test('the same values given once each still parse; a boolean flag may repeat', () => {
    const args = parseLocalArgs(['--nodes', '4', '--clients', '12', '--once', '--once']);
    expect(args).toMatchObject({ nodes: 4, clients: 12, once: true, strategy: 'direct' });
  });
});

describe('npm start: an OIDC URL that is not a URL', () => {
  test.each(['--oidc-issuer', '--oidc-jwks-url'])('%s a is refused naming the flag', (flag) => {
    const argv =
      flag === '--oidc-issuer' ? [flag, 'a', '--oidc-audience', 'x'] : ['--oidc-issuer', 'local', flag, 'a'];
    expect(refusal(argv)).toMatch(new RegExp(`^${flag}: `));
  });
});

describe('npm start: a switch needs clients, and another strategy', () => {
  test.each([
    [['--strategy', 'haproxy', '--switch-to', 'direct', '--clients', '0', '--once']],
    [['--strategy', 'haproxy', '--switch-to', 'direct', '--clients', '0']],
    [['--switch-to', 'nlb', '--clients=0', '--json', '--once']],
  ])('%p is refused naming both flags', (argv) => {
    expect(refusal(argv)).toBe(
      '--switch-to, --clients: a switch needs clients to move (--clients 0 would prove nothing)',
    );
  });

  test.each([
    [['--strategy', 'haproxy', '--switch-to', 'haproxy'], 'haproxy'],
    [['--switch-to', 'direct'], 'direct'],
  ])('%p: --switch-to equal to --strategy (given or default) is refused', (argv, strategy) => {
    expect(refusal(argv)).toBe(`--switch-to: must differ from --strategy (${strategy})`);
  });

  test('one client is enough', () => {
    expect(parseLocalArgs(['--switch-to', 'haproxy', '--clients', '1'])).toMatchObject({ clients: 1 });
  });
});
