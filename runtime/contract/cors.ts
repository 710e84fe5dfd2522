/**
 * The auth endpoint's CORS, one source for both sides: the CDK configures the Function URL with it (AWS answers
 * preflights and adds the headers), and the local auth server (runtime/auth/node-http-adapter.ts) answers
 * the same way, so a page on another origin logs in locally exactly as it will when deployed.
 */
export const AUTH_CORS = {
  /** `POST /session` is the only call a page makes. */
  allowMethods: ['POST'],
  /** A JSON body makes the request non-simple (the browser asks first); `authorization` carries an OIDC ID token. */
  allowHeaders: ['content-type', 'authorization'],
  /** Without it a page cannot read Retry-After on a 429 or 503, and the client could not honour it. */
  exposeHeaders: ['retry-after'],
  /** How long a browser may reuse a preflight answer. */
  maxAgeSeconds: 3600,
} as const;

/** Origins allowed when none are configured: any (the endpoint takes credentials in the body, no cookies). */
export const DEFAULT_ALLOWED_ORIGINS: readonly string[] = ['*'];

/** One allowed origin: `*`, or `http(s)://host[:port]` without a path. */
export const ORIGIN_PATTERN = /^(\*|https?:\/\/[^\s/,]+)$/;

/** The origin to echo in Access-Control-Allow-Origin, or undefined when `origin` is not allowed. */
export function allowedOrigin(origin: string | undefined, allowed: readonly string[]): string | undefined {
  if (!origin) return undefined;
  if (allowed.includes('*')) return '*';
  return allowed.includes(origin) ? origin : undefined;
}

/** Headers for a response to a cross-origin request from an allowed origin (none for others). */
export function corsHeaders(origin: string | undefined, allowed: readonly string[]): Record<string, string> {
  const allow = allowedOrigin(origin, allowed);
  if (!allow) return {};
  return {
    'access-control-allow-origin': allow,
    'access-control-expose-headers': AUTH_CORS.exposeHeaders.join(', '),
    ...(allow === '*' ? {} : { vary: 'Origin' }),
  };
}

/**
 * The answer to a preflight (`OPTIONS` with `Access-Control-Request-Method`): 204 with the allowed origin,
 * methods, headers and max age when the origin and the method are allowed; 204 without them otherwise
 * (the browser then refuses the call).
 */
export function preflightHeaders(
  origin: string | undefined,
  requestMethod: string,
  allowed: readonly string[],
): Record<string, string> {
  const allow = allowedOrigin(origin, allowed);
  if (!allow || !(AUTH_CORS.allowMethods as readonly string[]).includes(requestMethod.toUpperCase()))
    return {};
  return {
    'access-control-allow-origin': allow,
    'access-control-allow-methods': AUTH_CORS.allowMethods.join(', '),
    'access-control-allow-headers': AUTH_CORS.allowHeaders.join(', '),
    'access-control-max-age': String(AUTH_CORS.maxAgeSeconds),
    ...(allow === '*' ? {} : { vary: 'Origin' }),
  };
}
