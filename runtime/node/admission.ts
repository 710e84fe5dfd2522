import type { TokenErrorCode } from '../token';

/**
 * Why an upgrade got no WebSocket: a token code, the node's state, or the handshake itself
 * (`bad-protocol`: no sub-protocol the node can select; `bad-handshake`: refused by `ws`'s RFC 6455 checks;
 * `aborted`: the client went away before the answer).
 */
export type RejectReason =
  | TokenErrorCode
  | 'full'
  | 'draining'
  | 'bad-protocol'
  | 'bad-handshake'
  | 'aborted';

export interface Refusal {
  status: 400 | 401 | 403 | 503;
  reason: RejectReason;
}

const TOKEN_STATUS: Record<TokenErrorCode, 401 | 403> = {
  missing: 401,
  malformed: 401,
  'bad-signature': 401,
  expired: 401,
  'wrong-audience': 403,
};

export function refusalForToken(code: TokenErrorCode): Refusal {
  return { status: TOKEN_STATUS[code], reason: code };
}

/** Checked before the token, so a draining or full node spends no CPU on signatures. */
export function refusalForCapacity(draining: boolean, open: number, cap: number): Refusal | undefined {
  if (draining) return { status: 503, reason: 'draining' };
  if (open >= cap) return { status: 503, reason: 'full' };
  return undefined;
}
