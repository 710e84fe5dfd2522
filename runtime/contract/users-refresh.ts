/**
 * How often an auth instance reads the users secret again, in ms: a user added or removed with `wslb users`
 * reaches every warm instance within this long. Also what `wslb plan` prices as Secrets Manager calls.
 */
export const USERS_REFRESH_MS = 60_000;
