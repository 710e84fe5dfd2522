/** What `POST /session` answers. */
export interface Session {
  url: string;
  token: string;
  expiresAt: string;
  node?: string;
}

/** The auth service refused the credentials or the request (4xx): retrying will not help. */
export class AuthRefusedError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'AuthRefusedError';
  }
}

/** The auth service could not serve now (5xx, 503 no headroom, network): worth retrying. */
export class AuthUnavailableError extends Error {
  constructor(
    readonly status: number | undefined,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'AuthUnavailableError';
  }
}

export async function requestSession(
  fetchImpl: typeof fetch,
  authUrl: string,
  credentials: { username: string; password: string },
): Promise<Session> {
  let res: Response;
  try {
    res = await fetchImpl(new URL('/session', authUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(credentials),
    });
  } catch (err) {
    throw new AuthUnavailableError(undefined, `auth service unreachable: ${(err as Error).message}`);
  }
  const text = await res.text();
  if (res.status >= 400 && res.status < 500)
    throw new AuthRefusedError(res.status, `auth refused (${res.status}): ${text}`);
  if (!res.ok) {
    const retryAfter = Number(res.headers.get('retry-after'));
    throw new AuthUnavailableError(
      res.status,
      `auth unavailable (${res.status})`,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
    );
  }
  return JSON.parse(text) as Session;
}
