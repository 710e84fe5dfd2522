import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { parseConfig, TIER_KEYS } from '../../lib/config';
import { synthApp } from './helpers';

const warningsOf = (context: Record<string, unknown>) =>
  Annotations.fromStack(synthApp(context).stack).findWarning('*', Match.stringLikeRegexp('applies only to'));

describe('context keys of a tier this deploy does not build', () => {
  test('each is named with the strategies it applies to, and kept (one cdk.json serves every strategy)', () => {
    const config = parseConfig({ strategy: 'direct', haproxySourceIps: '4', idleTimeoutSeconds: '120' });
    expect(config.unusedKeys).toEqual([
      'idleTimeoutSeconds: applies only to strategy nlb; ignored with strategy direct',
      'haproxySourceIps: applies only to strategy haproxy; ignored with strategy direct',
    ]);
    expect(config.haproxySourceIps).toBe(4);
  });

  test('a key of the retiring tier applies: that tier is built for this deploy', () => {
    expect(
      parseConfig({ strategy: 'direct', retiring: 'haproxy', haproxySourceIps: '4' }).unusedKeys,
    ).toEqual([]);
    expect(
      parseConfig({ strategy: 'haproxy', retiring: 'direct', plaintextListener: 'true' }).unusedKeys,
    ).toEqual([
      'plaintextListener: applies only to strategy nlb; ignored with strategy haproxy and retiring direct',
    ]);
  });

  test('a key shared by two tiers is unused only when neither is built', () => {
    expect(parseConfig({ strategy: 'haproxy', publicHostname: 'ws.example.com' }).unusedKeys).toEqual([]);
    expect(parseConfig({ strategy: 'direct', publicHostname: 'ws.example.com' }).unusedKeys).toEqual([
      'publicHostname: applies only to strategy nlb or haproxy; ignored with strategy direct',
    ]);
  });

  test('every tier key is reported under some strategy and under none of its own', () => {
    for (const [key, strategies] of Object.entries(TIER_KEYS)) {
      for (const strategy of strategies) {
        const lines = parseConfig({ strategy }).unusedKeys;
        expect(lines.filter((l) => l.startsWith(`${key}:`))).toEqual([]);
      }
    }
  });

  test('synth shows each as a warning on the stack; a deploy that reads every key it was given has none', () => {
    const warnings = warningsOf({ strategy: 'direct', haproxySourceIps: '4' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.entry.data).toContain(
      'haproxySourceIps: applies only to strategy haproxy; ignored with strategy direct',
    );
    expect(warningsOf({ strategy: 'haproxy', haproxySourceIps: '4' })).toEqual([]);
  });
});
