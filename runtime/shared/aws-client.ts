/**
 * The one place every AWS SDK client of the runtime gets its network settings. Without them the SDK waits
 * forever: its Node HTTP handler has no connection timeout, and a request timeout only logs a warning unless
 * `throwOnRequestTimeout` is set (@smithy/types NodeHttpHandlerOptions). A boot step or a failover stuck on a
 * black-holed endpoint would then never retry and never report (docs/decisions/0139-aws-sdk-timeouts.md).
 */

/** How long a TCP (and TLS) connect to an AWS endpoint may take, in ms. */
export const AWS_CONNECT_TIMEOUT_MS = 3_000;
/** How long one request may take from sending to the whole response, in ms. */
export const AWS_REQUEST_TIMEOUT_MS = 10_000;

export interface AwsClientOptions {
  /** @default - the SDK's chain (AWS_REGION, then the profile) */
  readonly region?: string;
  /** A loopback endpoint (embedded registry, stand-ins). @default - the service's regional endpoint */
  readonly endpoint?: string;
  /** Attempts per call, the first included. @default 3 (the SDK's standard retry mode) */
  readonly maxAttempts?: number;
  /** @default {@link AWS_CONNECT_TIMEOUT_MS} */
  readonly connectTimeoutMs?: number;
  /** @default {@link AWS_REQUEST_TIMEOUT_MS} */
  readonly requestTimeoutMs?: number;
  /** Static credentials (only for loopback stand-ins that accept any). @default - the SDK's chain */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** The client configuration shared by every SDK client: pass it to `new XxxClient(awsClientConfig(…))`. */
export function awsClientConfig(options: AwsClientOptions = {}) {
  return {
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: {
      connectionTimeout: options.connectTimeoutMs ?? AWS_CONNECT_TIMEOUT_MS,
      requestTimeout: options.requestTimeoutMs ?? AWS_REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
  };
}
