export { TokenError, type TokenErrorCode } from './errors';
export { issueToken, type IssuedToken, type IssueOptions, MAX_TOKEN_TTL_SECONDS } from './issue';
export { parseKeyRing, type TokenKey, type TokenKeyRing } from './keys';
export { verifyToken, type VerifiedToken } from './verify';
