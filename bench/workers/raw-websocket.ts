import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/**
 * A minimal RFC 6455 client for holding idle connections in bulk (decision 0183): a plain TCP socket writes the
 * opening handshake with the wslb sub-protocols, checks the 101 (status, `Upgrade`, `Sec-WebSocket-Accept`, the
 * selected protocol), then only answers pings with pongs and closes with a close. It sends no data and keeps no
 * per-connection object besides its socket. What the node does is unchanged: it sees a standard client.
 */

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;
/** Response headers larger than this are not a wslb node's 101: the handshake fails. */
const MAX_RESPONSE_HEAD = 8 * 1024;

/** One `Sec-WebSocket-Key` and the `Sec-WebSocket-Accept` it must be answered with (RFC 6455 4.1, 4.2.2). */
export interface HandshakeKey {
  key: string;
  accept: string;
}

export function handshakeKey(key = randomBytes(16).toString('base64')): HandshakeKey {
  return {
    key,
    accept: createHash('sha1')
      .update(key + GUID)
      .digest('base64'),
  };
}

/** Keys drawn once per process and dealt out in turn: the nonce protects against caching proxies, not us. */
export function keyPool(size = 64): (i: number) => HandshakeKey {
  const keys = Array.from({ length: size }, () => handshakeKey());
  return (i) => keys[i % size];
}

export interface RawTarget {
  host: string;
  port: number;
  /** Request target, e.g. `/`. */
  path: string;
  token: string;
  localAddress?: string;
  localPort?: number;
}

/** The upgrade request the wslb client sends: the token as the second offered sub-protocol. */
export function upgradeRequest(target: RawTarget, key: string): string {
  return (
    `GET ${target.path} HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\nUpgrade: websocket\r\n` +
    `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
    `Sec-WebSocket-Protocol: wslb, token.${target.token}\r\n\r\n`
  );
}

/**
 * Why a response head is not the 101 that `accept` expects (`undefined` when it is): `http <status>` for
 * another status, so a refused upgrade is told by its status as `ws` clients report it.
 */
export function checkUpgradeResponse(head: string, accept: string): string | undefined {
  const lines = head.split('\r\n');
  const status = /^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '');
  if (!status) return 'bad response';
  if (status[1] !== '101') return `http ${status[1]}`;
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  if (headers.get('upgrade')?.toLowerCase() !== 'websocket') return 'bad upgrade header';
  if (headers.get('sec-websocket-accept') !== accept) return 'bad accept';
  if (headers.get('sec-websocket-protocol') !== 'wslb') return 'bad protocol';
  return undefined;
}

/** A masked client frame (RFC 6455 5.3: every client frame is masked) with a payload under 126 bytes. */
export function clientFrame(opcode: number, payload: Buffer, mask: Buffer): Buffer {
  if (payload.length > 125) throw new Error('clientFrame: control payloads are at most 125 bytes');
  const frame = Buffer.allocUnsafe(6 + payload.length);
  frame[0] = 0x80 | opcode;
  frame[1] = 0x80 | payload.length;
  mask.copy(frame, 2, 0, 4);
  for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i] ^ mask[i & 3];
  return frame;
}

export interface RawEvents {
  /** The 101 arrived and checked out. */
  open(socket: Socket): void;
  /** The handshake failed: an HTTP status, a socket error code, a timeout. The socket is destroyed. */
  fail(why: string): void;
  /** An open connection ended (closed by the node, reset, or a protocol error). */
  drop(socket: Socket): void;
}

/**
 * Reads server frames from an open connection: answers pings, answers a close and ends, skips data. Bytes of
 * a frame split across reads wait in `rest` (idle connections seldom have any).
 */
function frameReader(socket: Socket, mask: Buffer): (chunk: Buffer) => void {
  let rest: Buffer | undefined;
  return (chunk) => {
    let buf = rest ? Buffer.concat([rest, chunk]) : chunk;
    rest = undefined;
    while (buf.length >= 2) {
      const opcode = buf[0] & 0x0f;
      if (buf[1] & 0x80) {
        // A server must not mask (RFC 6455 5.1): fail the connection.
        socket.destroy();
        return;
      }
      let length = buf[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buf.length < 4) break;
        length = buf.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buf.length < 10) break;
        length = Number(buf.readBigUInt64BE(2));
        offset = 10;
      }
      if (buf.length < offset + length) break;
      const payload = buf.subarray(offset, offset + length);
      if (opcode === OP_PING) socket.write(clientFrame(OP_PONG, payload, mask));
      else if (opcode === OP_CLOSE) {
        socket.end(clientFrame(OP_CLOSE, payload.subarray(0, 2), mask));
        return;
      }
      buf = buf.subarray(offset + length);
    }
    if (buf.length > 0) rest = Buffer.from(buf);
  };
}

/**
 * Opens one raw WebSocket: connect, send the upgrade, check the 101 within `timeoutMs`, then hold it. Each
 * outcome reaches `events` once: `open` then maybe `drop`, or `fail`.
 */
export function openRaw(
  target: RawTarget,
  key: HandshakeKey,
  mask: Buffer,
  timeoutMs: number,
  events: RawEvents,
): void {
  const socket = connect({
    host: target.host,
    port: target.port,
    ...(target.localAddress ? { localAddress: target.localAddress } : {}),
    ...(target.localPort ? { localPort: target.localPort } : {}),
  });
  let head = '';
  let open = false;
  let settled = false;
  const timer = setTimeout(() => fail('handshake timeout'), timeoutMs);
  const fail = (why: string) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    socket.destroy();
    events.fail(why);
  };
  socket.once('connect', () => socket.write(upgradeRequest(target, key.key)));
  const onHead = (chunk: Buffer) => {
    head += chunk.toString('latin1');
    const end = head.indexOf('\r\n\r\n');
    if (end === -1) {
      if (head.length > MAX_RESPONSE_HEAD) fail('bad response');
      return;
    }
    const why = checkUpgradeResponse(head.slice(0, end), key.accept);
    if (why) return fail(why);
    settled = true;
    open = true;
    clearTimeout(timer);
    socket.off('data', onHead);
    const read = frameReader(socket, mask);
    socket.on('data', read);
    const after = Buffer.from(head.slice(end + 4), 'latin1');
    head = '';
    events.open(socket);
    if (after.length > 0) read(after);
  };
  socket.on('data', onHead);
  socket.on('error', (err: Error & { code?: string }) => {
    if (!open) fail(err.code ?? err.message);
  });
  socket.once('close', () => {
    if (open) events.drop(socket);
    else fail('closed before the upgrade');
  });
}
