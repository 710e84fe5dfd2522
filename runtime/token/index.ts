export { TokenError, type TokenErrorCode } from './errors';
export { type IssuedToken, type IssueOptions, issueToken, MAX_TOKEN_TTL_SECONDS } from './issue';
export { type KeyRingProvider, loadKeyRing, refreshingKeyRing } from './key-provider';
export { parseKeyRing, type TokenKey, type TokenKeyRing } from './keys';
export { type VerifiedToken, verifyToken, verifyTokenNow } from './verify';
