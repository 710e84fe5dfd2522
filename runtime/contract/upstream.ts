/**
 * The sidecar (upstream) mode's contract, shared by the node, the CDK app and upstream servers: the request headers
 * that carry the identity the node verified, and which upstream URLs are accepted. No Node imports.
 */

/** Every header whose name starts with this comes from the node; the node strips any a client sent. */
export const IDENTITY_HEADER_PREFIX = 'x-wslb-';

/** The identity headers the node adds to the upgrade request it makes to the upstream. */
export const IDENTITY_HEADERS = {
  /** The token's subject, percent-encoded (encodeURIComponent): a plain user name arrives unchanged. */
  subject: 'x-wslb-subject',
  /** The id of the node that admitted the client. */
  node: 'x-wslb-node',
  /** The connection's id, `<nodeId>:<sequence>`, as an in-process app sees it. */
  connection: 'x-wslb-connection',
  /** Every claim of the token as JSON, base64url-encoded. */
  claims: 'x-wslb-claims',
} as const;

/** Whether `hostname` (as `URL.hostname` gives it, IPv6 in brackets) is this host: `localhost`, 127.0.0.0/8, ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Why `url` cannot be an upstream, or undefined when it can: a `ws://` or `wss://` URL without credentials or
 * fragment, on a loopback address unless `allowRemote` (the identity headers are trusted by the upstream, so
 * whoever can reach it can claim any identity: keep it on the node's own host).
 */
export function upstreamUrlProblem(url: string, allowRemote: boolean): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') return 'the scheme must be ws or wss';
  if (parsed.username || parsed.password) return 'no credentials in the URL';
  if (parsed.hash) return 'no fragment';
  if (!allowRemote && !isLoopbackHost(parsed.hostname)) {
    return 'the host must be loopback (127.0.0.1, ::1, localhost) unless remote upstreams are explicitly allowed';
  }
  return undefined;
}
