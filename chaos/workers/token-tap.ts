/**
 * Keeps every session token this process receives (the client reads them through the global fetch),
 * so the secrets scan can look for them in the logs. The client binds fetch when it is built, so this
 * must run before any client exists.
 */
export function tapSessionTokens(): Set<string> {
  const seen = new Set<string>();
  const original = globalThis.fetch.bind(globalThis);
  globalThis.fetch = async (input, init) => {
    const res = await original(input, init);
    if (String(input).endsWith('/session') && res.ok) {
      const copy = res.clone();
      copy
        .json()
        .then((body) => {
          const token = (body as { token?: unknown }).token;
          if (typeof token === 'string') seen.add(token);
        })
        .catch(() => {});
    }
    return res;
  };
  return seen;
}
