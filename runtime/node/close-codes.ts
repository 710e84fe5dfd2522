/** 1012 Service Restart: the node is draining; the client goes back to the auth service for a new node. */
export const CLOSE_DRAINING = 1012;
/** 1008 Policy Violation: the client fell too far behind (send buffer over the limit). */
export const CLOSE_TOO_SLOW = 1008;
