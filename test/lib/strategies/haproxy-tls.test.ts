import { Match, type Template } from 'aws-cdk-lib/assertions';
import { HAPROXY_TLS_CERT_FILE } from '../../../runtime/contract/paths';
import { roleStatements, templateOf } from '../helpers';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:wslb/haproxy-tls-AbCdEf';
const TLS = { strategy: 'haproxy', haproxyCertificateSecretArn: SECRET, publicHostname: 'ws.example.com' };

const pairStatements = (template: Template) => roleStatements(template, 'Haproxy');

/** The pair's boot text (user data of its instances or launch template), tokens as {TOKEN}. */
function pairBootText(template: Template): string {
  const texts: string[] = [];
  for (const type of ['AWS::EC2::Instance', 'AWS::EC2::LaunchTemplate']) {
    for (const [id, resource] of Object.entries(template.findResources(type))) {
      if (!id.startsWith('Haproxy')) continue;
      const userData = resource.Properties.UserData ?? resource.Properties.LaunchTemplateData?.UserData;
      texts.push(JSON.stringify(userData));
    }
  }
  expect(texts.length).toBeGreaterThan(0);
  return texts.join('\n');
}

const clientIngress = (template: Template) =>
  Object.values(template.findResources('AWS::EC2::SecurityGroup'))
    .flatMap((sg) => sg.Properties.SecurityGroupIngress ?? [])
    .filter((rule: { CidrIp?: string }) => rule.CidrIp === '0.0.0.0/0');

describe('haproxy with haproxyCertificateSecretArn', () => {
  const template = templateOf(TLS);

  test('clients reach the pair on 443 only, and auth hands out wss:// with the certificate’s name', () => {
    expect(
      clientIngress(template).map((r: { FromPort: number; ToPort: number }) => [r.FromPort, r.ToPort]),
    ).toEqual([[443, 443]]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ STRATEGY: 'haproxy', PUBLIC_URL: 'wss://ws.example.com' }),
      },
    });
    template.hasOutput('HaproxyUrl', { Value: 'wss://ws.example.com' });
  });

  test('the agent gets the secret and the file the config’s crt names; the listener moves to 443', () => {
    const text = pairBootText(template);
    expect(text).toContain(`TLS_CERT_SECRET_ARN=${SECRET}`);
    expect(text).toContain(`TLS_CERT_FILE=${HAPROXY_TLS_CERT_FILE}`);
    expect(text).toContain('LISTEN_PORT=443');
    expect(text).not.toContain('PRIVATE KEY');
  });

  test('the pair’s role may read that one secret and no other', () => {
    const reads = pairStatements(template).filter((s) =>
      JSON.stringify(s.Action).includes('secretsmanager:'),
    );
    expect(reads).toEqual([
      { Sid: 'ReadCertificate', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: SECRET },
    ]);
  });
});

describe('haproxy without a certificate', () => {
  const template = templateOf({ strategy: 'haproxy' });

  test('plain ws on the nodes’ port; no TLS variables and no secret read', () => {
    expect(clientIngress(template).map((r: { FromPort: number }) => r.FromPort)).toEqual([8080]);
    const text = pairBootText(template);
    expect(text).not.toContain('TLS_CERT_');
    expect(
      pairStatements(template).filter((s) => JSON.stringify(s.Action).includes('secretsmanager:')),
    ).toEqual([]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ PUBLIC_URL: { 'Fn::Join': ['', Match.arrayWith(['ws://'])] } }),
      },
    });
  });
});
