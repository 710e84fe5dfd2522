/** A transport-neutral HTTP request/response, so one handler serves Lambda and a Node HTTP server. */
export interface AuthRequest {
  method: string;
  path: string;
  body: string | undefined;
  /** Set by the adapter when the body was cut off at the size limit. */
  bodyTooLarge?: boolean;
  requestId: string;
  /** The client's address as the transport saw it (Function URL: `requestContext.http.sourceIp`). */
  sourceIp?: string;
  /** Request headers, names in lower case. */
  headers?: Record<string, string | undefined>;
}

export interface AuthResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Bodies above this are refused with 413 without being parsed. */
export const MAX_BODY_BYTES = 16 * 1024;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): AuthResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}
