/**
 * Every URL wslb makes or accepts goes through here: built with the WHATWG URL class (so an IPv6 address gets
 * its brackets and nothing is pasted together), and checked before it is handed to anyone. No Node imports:
 * the browser client uses it too.
 */

const IPV6_LITERAL = /^[0-9a-f]*:[0-9a-f:.]*(%[\w.~-]+)?$/i;

/** Whether `host` is an IPv6 literal written without brackets (`::1`, `2001:db8::1`). */
export const isBareIpv6 = (host: string): boolean => IPV6_LITERAL.test(host);

/** `host` as it goes into a URL's authority: an IPv6 literal in brackets, a name or IPv4 address as it is. */
export function hostForUrl(host: string): string {
  return isBareIpv6(host) ? `[${host}]` : host;
}

/** `host:port` for a URL, IPv6 in brackets; the port is not checked (it may be a CDK token). */
export function authority(host: string, port: number | string): string {
  return `${hostForUrl(host)}:${port}`;
}

/**
 * `scheme://host[:port]` for text that cannot be parsed yet: CDK tokens, resolved at deploy time, whose host
 * is a DNS name or an IPv4 address (an IPv6 literal still gets its brackets). Everything else uses
 * {@link buildUrl}.
 */
export function deployTimeUrl(scheme: UrlScheme, host: string, port?: number | string): string {
  return `${scheme}://${port === undefined ? hostForUrl(host) : authority(host, port)}`;
}

export type UrlScheme = 'ws' | 'wss' | 'http' | 'https';

/**
 * `scheme://host:port/path` built by the URL class. `host` may be a name, an IPv4 address or an IPv6 address
 * with or without brackets; `path` (default none) starts with `/`. The port is left out when it is the
 * scheme's default, as URL does. Throws a TypeError naming the parts when they do not make a URL.
 */
export function buildUrl(scheme: UrlScheme, host: string, port: number, path = ''): string {
  const problem = `cannot build a URL from scheme ${scheme}, host ${JSON.stringify(host)} and port ${port}`;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new TypeError(`${problem}: port 1-65535`);
  let url: URL;
  try {
    url = new URL(`${scheme}://${hostForUrl(host)}:${port}`);
  } catch {
    throw new TypeError(problem);
  }
  // A host with `/`, `?`, `#` or `@` in it would parse as something else: refuse it rather than misdirect.
  if (url.pathname !== '/' || url.search || url.hash || url.username || !url.hostname) {
    throw new TypeError(problem);
  }
  return `${url.protocol}//${url.host}${path}`;
}

/**
 * What is wrong with `value` as a WebSocket URL a client is handed (`ws://host:port` or `wss://host`, no
 * path, query or fragment), or undefined when nothing is. An unbracketed IPv6 address is named as such.
 */
export function wsUrlProblem(value: string): string | undefined {
  const expected = 'ws://host:port or wss://host:port (an IPv6 address in brackets: ws://[2001:db8::1]:8080)';
  const authorityText = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(value)?.[1] ?? '';
  const hostPart = authorityText.replace(/^[^@]*@/, '');
  if (!hostPart.startsWith('[') && (hostPart.match(/:/g)?.length ?? 0) > 1) {
    return `an IPv6 address needs brackets: ${expected}`;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `not a URL: ${expected}`;
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return `scheme must be ws or wss: ${expected}`;
  if (url.username || url.password) return `no user or password in the URL: ${expected}`;
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    return `no path, query or fragment: ${expected}`;
  }
  return undefined;
}

/**
 * What is wrong with `value` as the base URL of an HTTP service (`https://host[:port][/path]`, no query or
 * fragment), or undefined when nothing is.
 */
export function httpBaseUrlProblem(value: string): string | undefined {
  const expected = 'http(s)://host[:port][/path] (an IPv6 address in brackets)';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `not a URL: ${expected}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `scheme must be http or https: ${expected}`;
  if (url.search || url.hash) return `no query or fragment: ${expected}`;
  return undefined;
}

/**
 * `base` with `segment` appended to its path: `https://example.com/api/auth` + `session` is
 * `https://example.com/api/auth/session` (a relative `new URL('/session', base)` would drop `/api/auth`).
 */
export function appendPath(base: string, segment: string): string {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${segment.replace(/^\/+/, '')}`;
  return url.toString();
}
