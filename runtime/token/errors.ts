/** Why a token was refused; the node maps each reason to an HTTP status. */
export type TokenErrorCode = 'missing' | 'malformed' | 'bad-signature' | 'expired' | 'wrong-audience';

export class TokenError extends Error {
  constructor(
    readonly code: TokenErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TokenError';
  }
}
