/** 1012 Service Restart: the node is draining; the client goes back to the auth service for a new node. */
export const CLOSE_DRAINING = 1012;
/**
 * 1008 Policy Violation: the client broke a per-connection limit that is not the size of a message (1009 is `ws`'s
 * for that): it fell too far behind (send buffer over the limit), kept a message unfinished for a whole ping
 * interval, or sent too many pings. `ws` uses the same code for too many fragments or buffered chunks.
 */
export const CLOSE_POLICY = 1008;
/** 1011 Internal Error: the hosted app failed on this connection, or the upstream broke off an open connection. */
export const CLOSE_APP_ERROR = 1011;
/** 1014 Bad Gateway: the upstream (sidecar mode) could not be reached or refused the connection. */
export const CLOSE_BAD_GATEWAY = 1014;
