export { type BackoffOptions, backoffDelay } from './backoff';
export {
  type ClientEvents,
  type ConnectOptions,
  connect,
  type WebSocketFactory,
  type WebSocketLike,
  WslbClient,
} from './client';
export { AuthRefusedError, AuthUnavailableError, requestSession, type Session } from './session';
