import { connect, type Socket } from 'node:net';

/**
 * Opens `count` upgrades that trickle a header every 200 ms and never finish; resolves with how many the
 * server had cut off after `waitMs`. Every socket is destroyed before it returns.
 */
export async function slowloris(
  port: number,
  count: number,
  waitMs: number,
): Promise<{ cut: number; held: number }> {
  const sockets: Socket[] = [];
  let cut = 0;
  for (let i = 0; i < count; i++) {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => {});
    s.on('close', () => {
      cut += 1;
    });
    s.write('GET / HTTP/1.1\r\nHost: n\r\nUpgrade: websocket\r\n');
    sockets.push(s);
  }
  const trickle = setInterval(() => {
    for (const s of sockets) if (!s.destroyed) s.write('X-A: b\r\n');
  }, 200);
  const deadline = Date.now() + waitMs;
  while (cut < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  clearInterval(trickle);
  const held = count - cut;
  for (const s of sockets) s.destroy();
  return { cut: count - held, held };
}
