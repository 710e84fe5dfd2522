import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

/** The kernel's ephemeral range: where connect() and bind to port 0 draw ports from. */
export function ephemeralRange(file = '/proc/sys/net/ipv4/ip_local_port_range'): {
  low: number;
  high: number;
} {
  try {
    const [low, high] = readFileSync(file, 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low <= high) return { low, high };
  } catch {
    // not Linux, or no /proc: the kernel's default
  }
  return { low: 32768, high: 60999 };
}

/** Below the ephemeral range, above the ports well-known services use. */
const LOWEST = 20_000;

function listen(port: number, host: string): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen(port, host, () => resolve(server));
  });
}

/**
 * `count` distinct ports that were free on `host` a moment ago, for processes we cannot hand a socket to
 * (HAProxy). Each is chosen below the ephemeral range when there is room, so no outgoing connection can take
 * it as its source port before its user binds it, and all are held until every one is chosen, so they
 * differ (two separate picks from a narrowed range returned the same port ~2 % of the time). Falls back to a
 * port the kernel picks when none below the range is free. Throws when not even that can be bound.
 */
export async function freePorts(
  count: number,
  options: { host?: string; range?: { low: number }; random?: () => number } = {},
): Promise<number[]> {
  const host = options.host ?? '127.0.0.1';
  const random = options.random ?? Math.random;
  const { low } = options.range ?? ephemeralRange();
  const held: Server[] = [];
  try {
    while (held.length < count) {
      let server: Server | undefined;
      for (let attempt = 0; attempt < 50 && !server && low - LOWEST >= 100; attempt++) {
        server = await listen(LOWEST + Math.floor(random() * (low - LOWEST)), host);
      }
      server ??= await listen(0, host);
      if (!server) throw new Error(`no free port on ${host}`);
      held.push(server);
    }
    return held.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(held.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}

/** One port, as freePorts picks them. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [port] = await freePorts(1, { host });
  return port!;
}
