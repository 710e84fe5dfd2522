import { appendPath, httpBaseUrlProblem, wsUrlProblem } from '../contract/url.js';
import { AuthRefusedError, AuthUnavailableError, ClientSetupError } from './errors.js';
import { parseRetryAfter } from './retry-after.js';

/** What `POST /session` answers. */
export interface Session {
  /** Where to open the WebSocket (`ws://…` or `wss://…`). */
  url: string;
  token: string;
  expiresAt: string;
  /** The node chosen (under `direct`). */
  node?: string;
}

/** Statuses that say "not now": back off and ask again. Every other 4xx says the request itself is wrong. */
const TEMPORARY_4XX = new Set([408, 425, 429]);

/**
 * `authUrl` + `/session`, keeping the URL's own path (`https://example.com/api/auth` posts to
 * `/api/auth/session`). Throws {@link ClientSetupError} when `authUrl` is not an http(s) URL.
 */
export function sessionUrl(authUrl: string): string {
  const problem = httpBaseUrlProblem(authUrl);
  if (problem) throw new ClientSetupError(`authUrl ${JSON.stringify(authUrl)}: ${problem}`);
  return appendPath(authUrl, 'session');
}

/**
 * POST the credentials to `url` (see {@link sessionUrl}). Resolves with a usable session; rejects with
 * {@link AuthRefusedError} (a 4xx but 408/425/429: do not retry) or {@link AuthUnavailableError} (anything
 * else: the fetch failed or timed out, 408/425/429/5xx with its `Retry-After`, an answer that is not a
 * session with a valid ws/wss URL).
 */
export async function requestSession(
  fetchImpl: typeof fetch,
  url: string,
  credentials: { username: string; password: string },
  timeoutMs = 30_000,
): Promise<Session> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  let status: number;
  let text: string;
  let retryAfter: string | null;
  try {
    const res = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(credentials),
      signal: abort.signal,
    });
    status = res.status;
    retryAfter = res.headers.get('retry-after');
    text = await res.text();
  } catch (err) {
    const why = abort.signal.aborted ? `no answer within ${timeoutMs} ms` : (err as Error).message;
    throw new AuthUnavailableError(undefined, `auth service unreachable: ${why}`);
  } finally {
    clearTimeout(timer);
  }
  if (status >= 400 && status < 500 && !TEMPORARY_4XX.has(status)) {
    throw new AuthRefusedError(status, `auth refused (${status}): ${text.slice(0, 200)}`);
  }
  if (status < 200 || status > 299) {
    throw new AuthUnavailableError(
      status,
      `auth unavailable (${status})`,
      parseRetryAfter(retryAfter, Date.now()),
    );
  }
  return parseSession(text);
}

function parseSession(text: string): Session {
  let body: Partial<Session>;
  try {
    body = JSON.parse(text) as Partial<Session>;
  } catch {
    throw new AuthUnavailableError(200, 'auth answered 200 with a body that is not JSON');
  }
  if (typeof body?.url !== 'string' || typeof body.token !== 'string' || !body.token) {
    throw new AuthUnavailableError(200, 'auth answered 200 without a url and token');
  }
  const problem = wsUrlProblem(body.url);
  if (problem) {
    throw new AuthUnavailableError(200, `auth handed out ${JSON.stringify(body.url)}: ${problem}`);
  }
  return body as Session;
}
