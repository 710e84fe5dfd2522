import * as iam from 'aws-cdk-lib/aws-iam';
import { HAPROXY_TLS_CERT_FILE } from '../../runtime/contract/paths';
import { HAPROXY_TLS_PORT } from '../tls-context';

/** TLS on the pair's client listener (docs/decisions/0155-haproxy-tls-certificate-hot-swap.md). */
export interface PairTls {
  /** The bundle's secret: the agent reads it at start and every few minutes, and hot-swaps a change. */
  readonly certificateSecretArn: string;
}

/** What TLS changes on the pair: the client port, the agent's environment, and one read permission. */
export interface PairListener {
  /** Clients connect here: 443 with TLS, else the nodes' port. */
  readonly port: number;
  /** The agent's TLS variables (none without TLS). */
  readonly env: { TLS_CERT_SECRET_ARN?: string; TLS_CERT_FILE?: string };
}

/** The pair's client listener; with TLS, `role` may read the bundle's secret (and nothing else of it). */
export function pairListener(role: iam.IRole, wsPort: number, tls: PairTls | undefined): PairListener {
  if (!tls) return { port: wsPort, env: {} };
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ReadCertificate',
      actions: ['secretsmanager:GetSecretValue'],
      resources: [tls.certificateSecretArn],
    }),
  );
  return {
    port: HAPROXY_TLS_PORT,
    env: { TLS_CERT_SECRET_ARN: tls.certificateSecretArn, TLS_CERT_FILE: HAPROXY_TLS_CERT_FILE },
  };
}
