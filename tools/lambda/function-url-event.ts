import { randomUUID } from 'node:crypto';

export interface FunctionUrlRequest {
  method: string;
  path: string;
  body?: string;
  /** Send the body base64-encoded, as Function URLs do for content types they do not treat as text. */
  base64?: boolean;
  headers?: Record<string, string>;
  /** @default '198.51.100.10' */
  sourceIp?: string;
}

/**
 * A Function URL request as Lambda hands it to the function: the HTTP API payload format 2.0
 * (https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads).
 */
export function functionUrlEvent(req: FunctionUrlRequest): Record<string, unknown> {
  const [rawPath, rawQueryString = ''] = req.path.split('?');
  const headers = Object.fromEntries(Object.entries(req.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const requestId = randomUUID();
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers: { host: 'abcdefghij.lambda-url.eu-west-1.on.aws', 'x-forwarded-proto': 'https', ...headers },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abcdefghij',
      domainName: 'abcdefghij.lambda-url.eu-west-1.on.aws',
      domainPrefix: 'abcdefghij',
      http: {
        method: req.method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: req.sourceIp ?? '198.51.100.10',
        userAgent: headers['user-agent'] ?? 'wslb-test',
      },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(req.body === undefined
      ? {}
      : { body: req.base64 ? Buffer.from(req.body).toString('base64') : req.body }),
    isBase64Encoded: req.base64 ?? false,
  };
}
