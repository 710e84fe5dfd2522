import { connect } from 'node:net';

/**
 * Send raw bytes to host:port and resolve with the HTTP status of the first response line, or 0 when the
 * server closed the connection without answering. Bounded by `timeoutMs`; -1 when it ran out.
 */
export function rawRequest(
  port: number,
  payload: Buffer | string,
  timeoutMs = 5000,
  halfClose = true,
): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const done = (status: number) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(status);
    };
    const timer = setTimeout(() => done(-1), timeoutMs);
    // An upgrade must keep its side open: a half-closed client is gone by the time the token is checked.
    socket.on('connect', () => (halfClose ? socket.end(payload) : socket.write(payload)));
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(data);
      if (m) done(Number(m[1]));
    });
    socket.on('error', () => done(0));
    socket.on('close', () => done(0));
  });
}

export function openFileCount(): number {
  return require('node:fs').readdirSync('/proc/self/fd').length;
}

/**
 * An HTTP/1.1 upgrade request as a client would write it; `headers` override or add header lines (a value of
 * `undefined` leaves the header out).
 */
export function upgradeRequest(target: string, headers: Record<string, string | undefined> = {}): string {
  const all: Record<string, string | undefined> = {
    Host: 'n',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version': '13',
    ...headers,
  };
  const lines = Object.entries(all)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${v}\r\n`);
  return `GET ${target} HTTP/1.1\r\n${lines.join('')}\r\n`;
}
