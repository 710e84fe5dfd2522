import { renderRuleset, renderTeardown } from '../../../../runtime/local/nlb';

const vip = { host: '127.0.9.9', port: 8000 };
const target = (port: number) => ({ host: '127.0.0.1', port });

describe('renderRuleset', () => {
  it('resets new flows to the VIP when no target may take them', () => {
    expect(renderRuleset({ vip, targets: [] })).toBe(
      [
        '# wslb nlb stand-in: 127.0.9.9:8000 -> 0 target(s)',
        'table ip wslb_nlb',
        'delete table ip wslb_nlb',
        'table ip wslb_nlb {',
        '  chain output {',
        '    type nat hook output priority -100; policy accept;',
        '    ip daddr 127.0.9.9 tcp dport 8000 ct state new reject with tcp reset',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('sends every new flow to the single target', () => {
    expect(renderRuleset({ vip, targets: [target(9101)] })).toBe(
      [
        '# wslb nlb stand-in: 127.0.9.9:8000 -> 1 target(s)',
        'table ip wslb_nlb',
        'delete table ip wslb_nlb',
        'table ip wslb_nlb {',
        '  chain output {',
        '    type nat hook output priority -100; policy accept;',
        '    ip daddr 127.0.9.9 tcp dport 8000 ct state new dnat ip addr . port to numgen random mod 1 map { 0 : 127.0.0.1 . 9101 }',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('picks one of three targets at random, the map keyed 0..N-1 in the given order', () => {
    const text = renderRuleset({
      vip,
      targets: [target(9101), target(9102), target(9103)],
      table: 'other_nlb',
    });
    expect(text).toBe(
      [
        '# wslb nlb stand-in: 127.0.9.9:8000 -> 3 target(s)',
        'table ip other_nlb',
        'delete table ip other_nlb',
        'table ip other_nlb {',
        '  chain output {',
        '    type nat hook output priority -100; policy accept;',
        '    ip daddr 127.0.9.9 tcp dport 8000 ct state new dnat ip addr . port to numgen random mod 3 map { 0 : 127.0.0.1 . 9101, 1 : 127.0.0.1 . 9102, 2 : 127.0.0.1 . 9103 }',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('names every bad input at once', () => {
    expect(() =>
      renderRuleset({
        vip: { host: 'localhost', port: 8000 },
        targets: [{ host: '127.0.0.1', port: 0 }],
        table: 'Bad-Name',
      }),
    ).toThrow(
      'invalid nlb ruleset input:\n  table: matches [a-z][a-z0-9_]* (got Bad-Name)\n' +
        '  vip.host: an IPv4 address (got "localhost")\n  targets[0].port: an integer in [1, 65535] (got 0)',
    );
  });

  it('tears down only its own table', () => {
    expect(renderTeardown()).toBe('table ip wslb_nlb\ndelete table ip wslb_nlb\n');
  });
});
