/**
 * What a chaos client worker serves (harness/worker/serve.ts): `open(FleetJob)` → `Opened`, `status()` and
 * `mark()` → `ClientStatus`, `echo(timeoutMs)` → `EchoResult`, `tokens()` → every session token it received.
 */

/** What happened since the last `mark` (closes, reopens) and what holds now (connected, byNode). */
export interface ClientStatus {
  connected: number;
  clients: number;
  byNode: Record<string, number>;
  /** Connected clients by the URL their socket opened (a balancer's, or a node's: the path they came by). */
  byUrl: Record<string, number>;
  /** Closes of open sockets since the mark, by the node the client was on, then by close code. */
  closes: Record<string, Record<string, number>>;
  /** Reopens since the mark, by the node reopened on. */
  reopenedOn: Record<string, number>;
  /** Milliseconds from a close to the same client's next open, since the mark. */
  reopenDelaysMs: number[];
  /** Of each of those, in the same order: the back-off delays the client drew (the rest is logins and opens). */
  reopenBackoffMs: number[];
  /** Connection attempts refused or failed since the mark (each retried through auth). */
  failedAttempts: number;
  /** Clients that gave up since the mark (an `error` event: the client stops). */
  gaveUp: number;
  /** For each 1012 close since the mark: the attempt count the retry started from and the delay it drew, in ms. */
  after1012: { attempt: number; delayMs: number }[];
  /** Retries since the mark by cause (`closed 1012`, `auth unavailable (503)`, `connect failed (1006)`, …). */
  retryCauses: Record<string, number>;
}

export interface EchoResult {
  sent: number;
  echoed: number;
}

export interface Opened {
  connected: number;
  failed: number;
}
