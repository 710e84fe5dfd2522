export { BACKOFF_DEFAULTS, type BackoffOptions, backoffDelay, retryDelay } from './backoff.js';
export {
  type ClientEvents,
  type ConnectOptions,
  connect,
  type IncomingData,
  WslbClient,
} from './client.js';
export { AuthRefusedError, AuthUnavailableError, ClientSetupError, SocketBlockedError } from './errors.js';
export { parseRetryAfter } from './retry-after.js';
export { requestSession, type Session, sessionUrl } from './session.js';
export type { BinaryType, SendData, WebSocketClass, WebSocketFactory, WebSocketLike } from './socket.js';
