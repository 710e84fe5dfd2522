import { CONTEXT_KEYS, DEFAULTS, deploymentLine, parseConfig } from '../../lib/config';
import { problemsOf as refused } from '../helpers/invalid-input';

/** haproxy unless said otherwise: it is the strategy with the most checks. */
const parse = (raw: Record<string, unknown>) => parseConfig({ strategy: 'haproxy', ...raw });

const problemsOf = (raw: Record<string, unknown>) => refused(() => parse(raw));

describe('parseConfig', () => {
  test('defaults: stack wslb, small Graviton nodes, source IPs computed from the fleet size', () => {
    expect(parseConfig({ strategy: 'nlb' })).toEqual({
      stackName: 'wslb',
      strategy: 'nlb',
      retiring: undefined,
      nodes: DEFAULTS.nodes,
      instanceType: 't4g.small',
      haproxyInstanceType: 'c7g.large',
      wsPort: 8080,
      maxConnectionsPerNode: 10_000,
      scalingTargetPerNode: 7000,
      drainSeconds: 30,
      pingSeconds: 25,
      idleTimeoutSeconds: 350,
      certificateArn: undefined,
      plaintextListener: false,
      publicHostname: undefined,
      // 4 nodes x 10,000 connections; one node takes at most 10,000: one source IP of 28,232 ports.
      targetConnections: 40_000,
      haproxySourceIps: 1,
      haproxyOverlayIp: '192.168.254.1',
      allowedOrigins: ['*'],
      heartbeatMs: 2000,
      freshnessMs: 6000,
      registryCacheMs: 1000,
      authReservedConcurrency: 100,
      oidc: undefined,
      tls: {},
      unusedKeys: [],
    });
  });

  test('scalingTargetPerNode: 70 % of the cap by default; at or above the cap refused by key', () => {
    expect(parseConfig({ strategy: 'nlb', maxConnectionsPerNode: '5000' }).scalingTargetPerNode).toBe(3500);
    expect(parseConfig({ strategy: 'nlb', scalingTargetPerNode: '6000' }).scalingTargetPerNode).toBe(6000);
    expect(() => parseConfig({ strategy: 'nlb', scalingTargetPerNode: '10000' })).toThrow(
      'scalingTargetPerNode: got 10000; accepted: below maxConnectionsPerNode (10000)',
    );
  });

  test("a key that is neither wslb's nor CDK's is refused by name, with the nearest key", () => {
    const present = [
      'strategy',
      'maxConnectionPerNode',
      'frobnicate',
      '@aws-cdk/core:newStyleStackSynthesis',
      'aws:cdk:enable-path-metadata',
      'cli-telemetry',
    ];
    expect(() => parseConfig({ strategy: 'direct' }, present)).toThrow(
      [
        'invalid context:',
        '  maxConnectionPerNode: not a context key of wslb; did you mean maxConnectionsPerNode? (every key: docs/settings/cdk-context.md)',
        '  frobnicate: not a context key of wslb (every key: docs/settings/cdk-context.md)',
      ].join('\n'),
    );
    expect(parseConfig({ strategy: 'direct' }, ['strategy', 'cli-telemetry', '@aws-cdk/x:y']).strategy).toBe(
      'direct',
    );
  });

  test('-c values arrive as strings and are parsed', () => {
    const config = parse({
      strategy: 'nlb',
      nodes: '1/3/5',
      wsPort: '9000',
      idleTimeoutSeconds: '120',
      allowedOrigins: 'https://a.example.com, https://b.example.com',
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc-123',
      plaintextListener: 'true',
    });
    expect(config).toMatchObject({
      strategy: 'nlb',
      nodes: { min: 1, desired: 3, max: 5 },
      wsPort: 9000,
      idleTimeoutSeconds: 120,
      allowedOrigins: ['https://a.example.com', 'https://b.example.com'],
    });
    expect(parse({ nodes: '3' }).nodes).toEqual({ min: 3, desired: 3, max: 3 });
    expect(parse({ nodes: { min: 0, desired: 1, max: 2 } }).nodes).toEqual({
      min: 0,
      desired: 1,
      max: 2,
    });
  });

  test('an unknown strategy names the key, the value and the accepted words', () => {
    expect(() => parseConfig({ strategy: 'bogus' })).toThrow(
      'invalid context:\n  strategy: got "bogus"; accepted: one of nlb | haproxy | direct',
    );
  });

  test('every bad key is reported at once', () => {
    expect(
      problemsOf({
        nodes: '3/1/2',
        instanceType: 'T4G SMALL',
        wsPort: '80',
        maxConnectionsPerNode: 0,
        drainSeconds: '1.5',
        pingSeconds: 'often',
        certificateArn: 'arn:aws:iam::123456789012:role/x',
        publicHostname: 'WS.Example.com',
        allowedOrigins: 'ftp://x',
      }),
    ).toEqual([
      'instanceType: got "T4G SMALL"; accepted: an EC2 instance type like t4g.small',
      'wsPort: got "80"; accepted: an integer from 1024 to 65535',
      'maxConnectionsPerNode: got 0; accepted: an integer from 1 to 1000000',
      'drainSeconds: got "1.5"; accepted: an integer from 0 to 3600',
      'pingSeconds: got "often"; accepted: an integer from 1 to 3600',
      'certificateArn: got "arn:aws:iam::123456789012:role/x"; accepted: an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)',
      'publicHostname: got "WS.Example.com"; accepted: a lower-case DNS name like ws.example.com',
      'allowedOrigins: got "ftp://x"; accepted: a comma-separated list of origins (https://app.example.com) or *',
      'nodes: got "3/1/2"; accepted: min <= desired <= max',
    ]);
  });

  test('a malformed node count says what shape is accepted', () => {
    expect(problemsOf({ nodes: '2/4' })).toEqual([
      'nodes: got "2/4"; accepted: MIN/DESIRED/MAX with integers 0-100 and max >= 1 (e.g. 2/2/4), or one integer N for N/N/N',
    ]);
  });

  test('the idle timeout must outlive the ping interval', () => {
    expect(problemsOf({ pingSeconds: 90, idleTimeoutSeconds: 90 })).toEqual([
      'idleTimeoutSeconds: got 90; accepted: more than pingSeconds (90), or the balancer cuts idle sockets between pings',
    ]);
    expect(problemsOf({ idleTimeoutSeconds: 30 })).toEqual([
      'idleTimeoutSeconds: got 30; accepted: an integer from 60 to 6000',
    ]);
  });

  test('registryCacheMs: an integer from 0 to 60000, below the freshness window of 3 heartbeats', () => {
    expect(parse({ registryCacheMs: '0' }).registryCacheMs).toBe(0);
    expect(parse({ registryCacheMs: 5999 }).registryCacheMs).toBe(5999);
    expect(problemsOf({ registryCacheMs: 6000 })).toEqual([
      "registryCacheMs: got 6000; accepted: below the auth service's freshness window (6000 ms: 3 node " +
        'heartbeats of 2000 ms), or logins are served from a view whose entries the registry already counts ' +
        'as stale',
    ]);
    expect(problemsOf({ registryCacheMs: '60001' })).toEqual([
      'registryCacheMs: got "60001"; accepted: an integer from 0 to 60000',
    ]);
    expect(problemsOf({ registryCacheMs: -1 })).toEqual([
      'registryCacheMs: got -1; accepted: an integer from 0 to 60000',
    ]);
  });

  test('too few source IPs for the connections one node can take are refused', () => {
    expect(
      problemsOf({ targetConnections: 100_000, maxConnectionsPerNode: 100_000, haproxySourceIps: 3 }),
    ).toEqual([
      'haproxySourceIps: got 3; accepted: at least 4 for 100000 connections to one node (the smaller of ' +
        'targetConnections and maxConnectionsPerNode; 28232 ports per source IP and node)',
    ]);
    expect(parse({ targetConnections: 100_000, maxConnectionsPerNode: 100_000 }).haproxySourceIps).toBe(4);
    // A node refuses past its cap, so 10,000 per node needs one source IP whatever the total.
    expect(parse({ targetConnections: 100_000 }).haproxySourceIps).toBe(1);
    expect(parse({ targetConnections: 50_000, maxConnectionsPerNode: 200_000 }).haproxySourceIps).toBe(2);
    expect(parse({ haproxySourceIps: 6 }).haproxySourceIps).toBe(6);
  });

  test("haproxySourceIps fit one ENI beside the side's pair address: equal to the secondary IPs is refused", () => {
    expect(problemsOf({ haproxySourceIps: 50 })).toEqual([
      'haproxySourceIps: got 50; accepted: an integer from 1 to 49',
    ]);
    // c7g.large: 9 secondary IPs per ENI, one of them the pair address (keepalived, Elastic IP).
    expect(parse({ haproxySourceIps: 8 }).haproxySourceIps).toBe(8);
    expect(problemsOf({ haproxySourceIps: 9 })).toEqual([
      'haproxySourceIps: got 9 for 10000 connections to one node; accepted: at most 8 on one ENI of c7g.large ' +
        "(9 secondary IPs, one of them the side's pair address; pick a larger haproxyInstanceType)",
    ]);
    expect(parse({ haproxyInstanceType: 't4g.small', haproxySourceIps: 2 }).haproxySourceIps).toBe(2);
    expect(problemsOf({ haproxyInstanceType: 't4g.small', haproxySourceIps: 3 })).toEqual([
      expect.stringMatching(/^haproxySourceIps: got 3 .*accepted: at most 2 on one ENI of t4g\.small/),
    ]);
    // A computed count is held to the same limit, and named as computed.
    const million = { targetConnections: 1_000_000, maxConnectionsPerNode: 1_000_000 };
    expect(problemsOf(million)).toEqual([
      expect.stringMatching(/^haproxySourceIps: computed 36 for 1000000 connections .*at most 8 on one ENI/),
    ]);
    expect(parse({ ...million, haproxyInstanceType: 'c7gn.16xlarge' }).haproxySourceIps).toBe(36);
  });

  test('haproxyOverlayIp: an IPv4 address, 192.168.254.1 by default', () => {
    expect(parse({}).haproxyOverlayIp).toBe('192.168.254.1');
    expect(parse({ haproxyOverlayIp: '100.127.0.9' }).haproxyOverlayIp).toBe('100.127.0.9');
    expect(problemsOf({ haproxyOverlayIp: '192.168.254' })).toEqual([
      'haproxyOverlayIp: got "192.168.254"; accepted: an IPv4 address outside the VPC CIDR (10.40.0.0/16), e.g. 192.168.254.1',
    ]);
  });

  test('haproxy limits do not apply when another strategy is built', () => {
    expect(
      parse({ strategy: 'direct', targetConnections: 1_000_000, maxConnectionsPerNode: 1_000_000 }).strategy,
    ).toBe('direct');
  });

  test.each(CONTEXT_KEYS.filter((k) => k !== 'retiring'))(
    '%s given empty (-c %s=) is refused by name, not taken as its default',
    (key) => {
      const raw = key === 'strategy' ? { [key]: '' } : { strategy: 'haproxy', [key]: '' };
      const problems = refused(() => parseConfig(raw));
      expect(problems).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^${key}: got ""; accepted: .+ \\(${key === 'strategy' ? 'required' : 'leave the key out for its default'}\\)$`,
          ),
        ),
      );
      // Said once, under its own key: not again as missing or as unused.
      expect(problems.filter((p) => p.startsWith(`${key}:`))).toHaveLength(1);
    },
  );

  test('retiring given empty means no retiring tier (it clears a value cdk.json holds)', () => {
    expect(parse({ retiring: '' }).retiring).toBeUndefined();
  });

  test('strategy is required, and a missing one is named', () => {
    expect(() => parseConfig({})).toThrow(
      'invalid context:\n  strategy: got nothing; accepted: one of nlb | haproxy | direct (required: a deploy ' +
        'without it would remove the running tier)',
    );
  });

  test('stackName names the stack; a name CloudFormation refuses is refused here', () => {
    expect(parse({ stackName: 'wslb-direct-2' }).stackName).toBe('wslb-direct-2');
    expect(problemsOf({ stackName: '2wslb' })).toEqual([
      'stackName: got "2wslb"; accepted: a CloudFormation stack name: a letter, then letters, digits and ' +
        'hyphens (at most 128)',
    ]);
    expect(problemsOf({ stackName: 'wslb_a' })).toHaveLength(1);
  });

  test('retiring names another strategy; its tier is checked as if built', () => {
    expect(parse({ strategy: 'direct', retiring: 'nlb' }).retiring).toBe('nlb');
    expect(problemsOf({ strategy: 'nlb', retiring: 'nlb' })).toEqual([
      'retiring: got "nlb"; accepted: a strategy other than strategy (nlb)',
    ]);
    expect(problemsOf({ retiring: 'elb' })).toEqual([
      'retiring: got "elb"; accepted: one of nlb | haproxy | direct, other than strategy: the tier clients ' +
        'are moving off',
    ]);
    // The retiring haproxy tier is still built: its limits still apply.
    expect(
      problemsOf({
        strategy: 'direct',
        retiring: 'haproxy',
        targetConnections: 100_000,
        maxConnectionsPerNode: 100_000,
        haproxySourceIps: 3,
      }),
    ).toHaveLength(1);
  });

  test('with a certificate the NLB has a TLS listener only, whose idle timeout is fixed at 350 s', () => {
    const cert = 'arn:aws:acm:eu-west-1:123456789012:certificate/abc-123';
    expect(parse({ strategy: 'nlb', certificateArn: cert }).plaintextListener).toBe(false);
    expect(
      parse({ strategy: 'nlb', certificateArn: cert, plaintextListener: 'true' }).plaintextListener,
    ).toBe(true);
    expect(problemsOf({ strategy: 'nlb', certificateArn: cert, idleTimeoutSeconds: 400 })).toEqual([
      'idleTimeoutSeconds: got 400; accepted: only with a plaintext listener (plaintextListener=true or no ' +
        "certificateArn): a TLS listener's idle timeout is fixed at 350 s",
    ]);
    expect(
      parse({ strategy: 'nlb', certificateArn: cert, plaintextListener: true, idleTimeoutSeconds: 400 })
        .idleTimeoutSeconds,
    ).toBe(400);
    expect(
      problemsOf({
        strategy: 'nlb',
        certificateArn: cert,
        pingSeconds: 350,
        idleTimeoutSeconds: 400,
        plaintextListener: true,
      }),
    ).toEqual([
      "pingSeconds: got 350; accepted: below 350 with certificateArn, the NLB TLS listener's fixed idle timeout",
    ]);
    expect(problemsOf({ plaintextListener: 'yes' })).toEqual([
      'plaintextListener: got "yes"; accepted: true or false',
    ]);
  });
});

describe('deploymentLine', () => {
  it('names the stack, the strategy and the retiring tier a synth builds', () => {
    expect(deploymentLine(parseConfig({ strategy: 'haproxy' }))).toBe('wslb: stack wslb, strategy haproxy');
    expect(deploymentLine(parseConfig({ strategy: 'direct', retiring: 'nlb', stackName: 'edge' }))).toBe(
      'wslb: stack edge, strategy direct, retiring nlb',
    );
  });
});
