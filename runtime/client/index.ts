export { BACKOFF_DEFAULTS, type BackoffOptions, backoffDelay, retryDelay } from './backoff';
export {
  type ClientEvents,
  type ConnectOptions,
  connect,
  type IncomingData,
  WslbClient,
} from './client';
export { AuthRefusedError, AuthUnavailableError, ClientSetupError, SocketBlockedError } from './errors';
export { parseRetryAfter } from './retry-after';
export { requestSession, type Session, sessionUrl } from './session';
export type { BinaryType, SendData, WebSocketClass, WebSocketFactory, WebSocketLike } from './socket';
