import { z } from 'zod';

/**
 * The TLS context keys of the `haproxy` and `direct` tiers (the `nlb` tier's are `certificateArn` and
 * `plaintextListener`): their schemas, and the checks across keys. What an operator supplies and how
 * rotation works: docs/deploy/tls.md.
 */

const secretArn = {
  schema: z
    .string()
    .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/),
  accepts:
    'the full ARN of a Secrets Manager secret (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX) ' +
    'whose string is a PEM bundle: certificate, intermediates, unencrypted private key',
};

/** A lower-case DNS name (publicHostname's rule); a trailing dot, as Route 53 prints zones, is dropped. */
export const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export const TLS_KEYS = {
  haproxyCertificateSecretArn: secretArn,
  directCertificateSecretArn: {
    ...secretArn,
    accepts: `${secretArn.accepts}; a wildcard certificate for *.directZoneName`,
  },
  directHostedZoneId: {
    schema: z.string().regex(/^Z[A-Z0-9]{1,31}$/),
    accepts: 'a Route 53 public hosted zone id like Z0123456789ABCDEFGHIJ',
  },
  directZoneName: {
    schema: z.preprocess(
      (v) => (typeof v === 'string' ? v.replace(/\.$/, '') : v),
      z.string().regex(DNS_NAME),
    ),
    accepts: "the hosted zone's lower-case DNS name like ws.example.com (the nodes are <instance-id>.<name>)",
  },
} as const;
export type TlsKey = keyof typeof TLS_KEYS;

/** `direct` over wss: each node's name in the operator's zone, and the wildcard certificate that covers them. */
export interface DirectTls {
  readonly certificateSecretArn: string;
  readonly hostedZoneId: string;
  readonly zoneName: string;
}

/** TLS of the tiers that serve it themselves; absent parts mean that tier hands out ws://. */
export interface TlsContext {
  /** The HAProxy pair terminates TLS on 443 with this bundle, for `publicHostname`. */
  readonly haproxyCertificateSecretArn?: string;
  readonly direct?: DirectTls;
}

/** TLS on the HAProxy pair's client listener: the standard port, as the NLB's TLS listener. */
export const HAPROXY_TLS_PORT = 443;

/**
 * The TLS part of the context from the keys that parsed, and a line per problem across keys (each naming
 * its key): the pair needs `publicHostname` (a certificate names a host, not the Elastic IP); `direct` needs
 * its three keys together.
 */
export function tlsContext(
  parsed: Partial<Record<TlsKey | 'publicHostname', unknown>>,
  raw: Partial<Record<TlsKey | 'publicHostname', unknown>>,
  built: { haproxy: boolean },
): { tls: TlsContext; problems: string[] } {
  // A key given with a bad value is reported by its own schema, not again as missing.
  const isGiven = (key: TlsKey | 'publicHostname') => raw[key] !== undefined;
  const problems: string[] = [];
  const haproxyCertificateSecretArn = parsed.haproxyCertificateSecretArn as string | undefined;
  if (haproxyCertificateSecretArn && built.haproxy && !isGiven('publicHostname')) {
    problems.push(
      'publicHostname: got nothing; accepted: required with haproxyCertificateSecretArn (the DNS name the ' +
        "certificate covers and clients are handed; point it at the pair's Elastic IP)",
    );
  }
  const directKeys = ['directCertificateSecretArn', 'directHostedZoneId', 'directZoneName'] as const;
  const given = directKeys.filter(isGiven);
  if (given.length > 0) {
    for (const key of directKeys.filter((k) => !given.includes(k))) {
      problems.push(
        `${key}: got nothing; accepted: required with ${given.join(' and ')} (direct over wss needs ` +
          `${directKeys.join(', ')} together)`,
      );
    }
  }
  const direct = directKeys.every((key) => parsed[key] !== undefined)
    ? {
        certificateSecretArn: parsed.directCertificateSecretArn as string,
        hostedZoneId: parsed.directHostedZoneId as string,
        zoneName: parsed.directZoneName as string,
      }
    : undefined;
  return {
    tls: {
      ...(haproxyCertificateSecretArn ? { haproxyCertificateSecretArn } : {}),
      ...(direct ? { direct } : {}),
    },
    problems,
  };
}
