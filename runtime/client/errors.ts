/** The auth service refused the request (400, 401, 403, or another 4xx but 408/425/429): retrying cannot help. */
export class AuthRefusedError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'AuthRefusedError';
    this.status = status;
  }
}

/** The auth service could not serve now (408, 425, 429, 5xx, network, timeout, an unusable answer): retried. */
export class AuthUnavailableError extends Error {
  /** HTTP status; undefined when no answer came. */
  readonly status: number | undefined;
  /** The answer's `Retry-After`, in milliseconds. */
  readonly retryAfterMs: number | undefined;
  constructor(status: number | undefined, message: string, retryAfterMs?: number) {
    super(message);
    this.name = 'AuthUnavailableError';
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }
}

/** The client cannot work as configured (an `authUrl` that is not a URL, no fetch, no WebSocket): it stops. */
export class ClientSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClientSetupError';
  }
}

/**
 * The environment refused to open the socket (a browser's `SecurityError`: a `ws://` URL from an `https://`
 * page, a blocked port): every node's URL would be refused alike, so the client stops. `cause` holds it.
 */
export class SocketBlockedError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'SocketBlockedError';
  }
}
