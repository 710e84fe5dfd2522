import { parseConfig } from '../../lib/config';
import { problemsOf as refused } from '../helpers/invalid-input';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:wslb/tls-AbCdEf';
const ZONE = { directHostedZoneId: 'Z0123456789ABCDEFGHIJ', directZoneName: 'ws.example.com' };
const problemsOf = (raw: Record<string, unknown>) => refused(() => parseConfig(raw));

describe('TLS context keys', () => {
  test('haproxy: the bundle secret and the name it covers', () => {
    expect(
      parseConfig({
        strategy: 'haproxy',
        haproxyCertificateSecretArn: SECRET,
        publicHostname: 'ws.example.com',
      }).tls,
    ).toEqual({ haproxyCertificateSecretArn: SECRET });
  });

  test('haproxy: a certificate without publicHostname names publicHostname', () => {
    expect(problemsOf({ strategy: 'haproxy', haproxyCertificateSecretArn: SECRET })).toEqual([
      'publicHostname: got nothing; accepted: required with haproxyCertificateSecretArn (the DNS name the ' +
        "certificate covers and clients are handed; point it at the pair's Elastic IP)",
    ]);
    // Kept in cdk.json while another strategy runs: nothing to check then.
    expect(parseConfig({ strategy: 'nlb', haproxyCertificateSecretArn: SECRET }).tls).toEqual({
      haproxyCertificateSecretArn: SECRET,
    });
    // Retiring haproxy still builds its tier.
    expect(
      problemsOf({ strategy: 'nlb', retiring: 'haproxy', haproxyCertificateSecretArn: SECRET }),
    ).toHaveLength(1);
  });

  test.each([
    ['a secret name, not an ARN', 'wslb/tls'],
    ['an ARN without the six-character suffix', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:wslb'],
    ['an ACM certificate', 'arn:aws:acm:eu-west-1:123456789012:certificate/abc'],
  ])('refuses %s as a certificate secret, naming the key', (_, value) => {
    const [problem] = problemsOf({
      strategy: 'haproxy',
      haproxyCertificateSecretArn: value,
      publicHostname: 'a.b.cc',
    });
    expect(problem).toMatch(
      /^haproxyCertificateSecretArn: got .*; accepted: the full ARN of a Secrets Manager secret/,
    );
  });

  test('direct: zone id, zone name and wildcard certificate together', () => {
    expect(parseConfig({ strategy: 'direct', directCertificateSecretArn: SECRET, ...ZONE }).tls).toEqual({
      direct: {
        certificateSecretArn: SECRET,
        hostedZoneId: ZONE.directHostedZoneId,
        zoneName: 'ws.example.com',
      },
    });
    // Route 53 prints zone names with the root's dot.
    expect(
      parseConfig({
        strategy: 'direct',
        directCertificateSecretArn: SECRET,
        ...ZONE,
        directZoneName: 'ws.example.com.',
      }).tls.direct?.zoneName,
    ).toBe('ws.example.com');
  });

  test('direct: each missing key of the three is named, with the ones given', () => {
    expect(problemsOf({ strategy: 'direct', directCertificateSecretArn: SECRET })).toEqual([
      'directHostedZoneId: got nothing; accepted: required with directCertificateSecretArn (direct over wss ' +
        'needs directCertificateSecretArn, directHostedZoneId, directZoneName together)',
      'directZoneName: got nothing; accepted: required with directCertificateSecretArn (direct over wss needs ' +
        'directCertificateSecretArn, directHostedZoneId, directZoneName together)',
    ]);
    expect(problemsOf({ strategy: 'direct', ...ZONE })).toEqual([
      expect.stringMatching(
        /^directCertificateSecretArn: got nothing; accepted: required with directHostedZoneId and directZoneName/,
      ),
    ]);
  });

  test('direct: a bad value is reported under its own key, once', () => {
    expect(
      problemsOf({
        strategy: 'direct',
        directCertificateSecretArn: SECRET,
        directHostedZoneId: 'zone-1',
        directZoneName: 'WS.Example.com',
      }),
    ).toEqual([
      'directHostedZoneId: got "zone-1"; accepted: a Route 53 public hosted zone id like Z0123456789ABCDEFGHIJ',
      'directZoneName: got "WS.Example.com"; accepted: the hosted zone\'s lower-case DNS name like ws.example.com ' +
        '(the nodes are <instance-id>.<name>)',
    ]);
  });
});
