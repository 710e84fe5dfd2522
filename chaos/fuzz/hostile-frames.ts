import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/**
 * Frame patterns a hostile client can send after a valid upgrade, each within every per-message limit a
 * server checks by size:
 * - `fragments`: a text frame without FIN, then one-byte continuation frames, never the final one;
 * - `pings`: ping frames with 125-byte payloads, the pongs never read;
 * - `tiny-messages`: one-byte text messages, the echoes never read;
 * - `trickle`: one frame that announces a payload just under the limit, sent one byte per TCP segment (the
 *   server's pings go unanswered: a pong cannot be sent inside a frame).
 */
export const HOSTILE_PATTERNS = ['fragments', 'pings', 'tiny-messages', 'trickle'] as const;
export type HostilePattern = (typeof HOSTILE_PATTERNS)[number];

const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

/** A client-to-server frame (masked, as RFC 6455 5.3 requires). */
export function clientFrame(opcode: number, fin: boolean, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? 2 : len < 65_536 ? 4 : 10;
  const frame = Buffer.alloc(head + 4 + len);
  frame[0] = (fin ? 0x80 : 0) | opcode;
  if (len < 126) frame[1] = 0x80 | len;
  else if (len < 65_536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(len, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(len), 2);
  }
  const mask = randomBytes(4);
  mask.copy(frame, head);
  for (let i = 0; i < len; i++) frame[head + 4 + i] = payload[i] ^ mask[i & 3];
  return frame;
}

/** A raw WebSocket client that sends whatever frames it is told to; it answers the server's pings unless paused. */
export class RawWsClient {
  /** The close code the server sent, or 1006 when the socket ended without a close frame. */
  readonly closed: Promise<number>;
  /** Set while a frame is half written: a pong now would land inside it. */
  midFrame = false;
  private buffered: Buffer = Buffer.alloc(0);
  private closeCode = 1006;
  private constructor(private readonly socket: Socket) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve(this.closeCode)));
    socket.on('data', (chunk) => this.onData(chunk));
  }

  /** Upgrade with `token` (query) and resolve once the 101 has arrived; rejects with the status otherwise. */
  static open(port: number, token: string, timeoutMs = 10_000): Promise<RawWsClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      socket.on('error', () => {});
      let head = '';
      const timer = setTimeout(() => fail('no answer to the upgrade'), timeoutMs);
      const fail = (why: string) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new Error(why));
      };
      const onHead = (chunk: Buffer) => {
        head += chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return;
        socket.off('data', onHead);
        clearTimeout(timer);
        if (!head.startsWith('HTTP/1.1 101')) return fail(head.split('\r\n')[0]);
        const client = new RawWsClient(socket);
        const rest = Buffer.from(head.slice(end + 4), 'latin1');
        if (rest.length > 0) client.onData(rest);
        resolve(client);
      };
      socket.on('data', onHead);
      socket.on('close', () => fail('closed before the answer'));
      socket.write(
        `GET /?token=${encodeURIComponent(token)} HTTP/1.1\r\nHost: n\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
          'Sec-WebSocket-Version: 13\r\n\r\n',
      );
    });
  }

  get open(): boolean {
    return !this.socket.destroyed;
  }

  /** Write `frames` and wait for the socket to drain; false once the server has closed. */
  async send(frames: Buffer | Buffer[]): Promise<boolean> {
    if (this.socket.destroyed) return false;
    const flushed = this.socket.write(Array.isArray(frames) ? Buffer.concat(frames) : frames);
    if (flushed) return true;
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve(!this.socket.destroyed);
      };
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }

  /** Stop reading: what the server sends piles up on its side. */
  pauseReading(): void {
    this.socket.pause();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    for (;;) {
      if (this.buffered.length < 2) return;
      const opcode = this.buffered[0] & 0x0f;
      let len = this.buffered[1] & 0x7f;
      let offset = 2;
      if (len === 126) {
        if (this.buffered.length < 4) return;
        len = this.buffered.readUInt16BE(2);
        offset = 4;
      } else if (len === 127) {
        if (this.buffered.length < 10) return;
        len = Number(this.buffered.readBigUInt64BE(2));
        offset = 10;
      }
      if (this.buffered.length < offset + len) return;
      const payload = this.buffered.subarray(offset, offset + len);
      this.buffered = this.buffered.subarray(offset + len);
      if (opcode === OP_PING && !this.midFrame)
        this.socket.write(clientFrame(OP_PONG, true, Buffer.from(payload)));
      if (opcode === OP_CLOSE) this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
    }
  }
}

/** What one pattern sends on one connection, in writes of at most `batch` frames; `limit` is the node's payload limit. */
export async function sendPattern(
  client: RawWsClient,
  pattern: HostilePattern,
  frames: number,
  limit: number,
  batch = 500,
): Promise<void> {
  const one = Buffer.from('a');
  if (pattern === 'trickle') {
    // The header announces limit-1 bytes; the payload then arrives one byte per segment (setNoDelay).
    const frame = clientFrame(OP_TEXT, true, Buffer.alloc(limit - 1, 0x61));
    client.midFrame = true;
    const head = frame.subarray(0, frame.length - (limit - 1));
    if (!(await client.send(head))) return;
    const body = frame.subarray(head.length);
    for (let i = 0; i < Math.min(frames, body.length - 1); i++) {
      if (!(await client.send(body.subarray(i, i + 1)))) return;
      if (i % 64 === 63) await new Promise((r) => setImmediate(r));
    }
    return;
  }
  if (pattern === 'pings' || pattern === 'tiny-messages') client.pauseReading();
  // One frame, repeated: a mask may repeat, and masking each frame anew would make the sender the bottleneck.
  const repeated =
    pattern === 'fragments'
      ? clientFrame(OP_CONTINUATION, false, one)
      : pattern === 'pings'
        ? clientFrame(OP_PING, true, Buffer.alloc(125, 0x70))
        : clientFrame(OP_TEXT, true, one);
  const full = Buffer.concat(Array.from({ length: batch }, () => repeated));
  let sent = 0;
  if (pattern === 'fragments') {
    if (!(await client.send(clientFrame(OP_TEXT, false, one)))) return;
    sent = 1;
  }
  while (sent < frames) {
    const n = Math.min(batch, frames - sent);
    if (!(await client.send(n === batch ? full : full.subarray(0, n * repeated.length)))) return;
    sent += n;
    await new Promise((r) => setImmediate(r));
  }
}
