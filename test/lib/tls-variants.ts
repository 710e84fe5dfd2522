/**
 * The TLS variants of the app every template-wide check covers (cfn-lint, the IAM evaluation): the context
 * an operator gives for wss on each strategy that serves TLS itself, with placeholder ARNs and zone.
 */
export const TLS_SECRETS = {
  haproxy: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:wslb/haproxy-tls-AbCdEf',
  direct: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:wslb/direct-wildcard-AbCdEf',
} as const;
export const DIRECT_ZONE = { id: 'Z0123456789ABCDEFGHIJ', name: 'ws.example.com' } as const;
export const NLB_CERTIFICATE =
  'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';

export const TLS_VARIANTS: Record<string, Record<string, string>> = {
  'nlb-tls': { strategy: 'nlb', certificateArn: NLB_CERTIFICATE },
  'haproxy-tls': {
    strategy: 'haproxy',
    haproxyCertificateSecretArn: TLS_SECRETS.haproxy,
    publicHostname: 'ws.example.com',
  },
  'direct-tls': {
    strategy: 'direct',
    directCertificateSecretArn: TLS_SECRETS.direct,
    directHostedZoneId: DIRECT_ZONE.id,
    directZoneName: DIRECT_ZONE.name,
  },
};
