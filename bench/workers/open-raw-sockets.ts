import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { OpenedSockets } from './open-sockets';
import { keyPool, openRaw, type RawTarget } from './raw-websocket';

/** Raw WebSockets that are open, and how many were open and closed since (drops). */
export class RawSocketSet {
  readonly sockets = new Set<Socket>();
  dropped = 0;

  closeAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }
}

export interface OpenRawOptions {
  count: number;
  concurrency: number;
  openTimeoutMs: number;
  /** Connection `i`'s node, token and source address and port. */
  target: (i: number) => RawTarget;
  onProgress?: (opened: number) => void;
  onFailure?: () => void;
  /** Checked before each new handshake: once true, no more start (those in flight finish). */
  halted?: () => boolean;
}

/**
 * Open `count` raw WebSockets (bench/workers/raw-websocket.ts) with at most `concurrency` handshakes in flight
 * and hold them in `set`. Failed opens are counted by cause, not retried; an open socket that closes counts as
 * dropped in `set`.
 */
export async function openRawSockets(set: RawSocketSet, options: OpenRawOptions): Promise<OpenedSockets> {
  const errors: Record<string, number> = {};
  const keys = keyPool();
  // One masking key per process: RFC 6455 asks for unpredictable keys against proxies that cache; none sits here.
  const mask = randomBytes(4);
  const events = {
    drop(socket: Socket) {
      if (set.sockets.delete(socket)) set.dropped += 1;
    },
  };
  let next = 0;
  let opened = 0;
  let failed = 0;
  const startedAt = Date.now();
  const one = (i: number) =>
    new Promise<void>((resolve) => {
      openRaw(options.target(i), keys(i), mask, options.openTimeoutMs, {
        open(socket) {
          opened += 1;
          set.sockets.add(socket);
          options.onProgress?.(opened);
          resolve();
        },
        fail(why) {
          errors[why] = (errors[why] ?? 0) + 1;
          failed += 1;
          options.onFailure?.();
          resolve();
        },
        drop: events.drop,
      });
    });
  const lane = async () => {
    while (next < options.count && !options.halted?.()) await one(next++);
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.count) }, lane));
  return { opened, failed, startedAt, finishedAt: Date.now(), errors };
}
