import { readFileSync } from 'node:fs';
import WebSocket, { type ClientOptions } from 'ws';
import { issueToken, parseKeyRing } from '../../runtime/token';

export interface Target {
  url: string;
  token: string;
}

export interface OpenSocketsOptions {
  count: number;
  concurrency: number;
  openTimeoutMs: number;
  /** May sign the token just in time: a long run outlives any token signed up front. */
  target: (i: number) => Target | Promise<Target>;
  /** Per-connection socket options (source address and port). */
  wsOptions?: (i: number) => ClientOptions;
  onProgress?: (opened: number) => void;
  onFailure?: () => void;
  /** Checked before each new handshake: once true, no more start (those in flight finish). */
  halted?: () => boolean;
}

export interface OpenedSockets {
  opened: number;
  failed: number;
  startedAt: number;
  finishedAt: number;
  /** Failure causes by message, to tell a full port range from a refused upgrade. */
  errors: Record<string, number>;
}

/** Open sockets that were open and closed since (drops). */
export class SocketSet {
  readonly sockets = new Set<WebSocket>();
  dropped = 0;

  closeAll(): void {
    for (const ws of this.sockets) ws.terminate();
    this.sockets.clear();
  }
}

/**
 * Open `count` WebSockets with at most `concurrency` handshakes in flight, as the wslb client does
 * (sub-protocols `wslb` and `token.<jwt>`). Failed opens are counted, not retried.
 */
export async function openSockets(set: SocketSet, options: OpenSocketsOptions): Promise<OpenedSockets> {
  const errors: Record<string, number> = {};
  let next = 0;
  let opened = 0;
  let failed = 0;
  const startedAt = Date.now();
  const one = async (i: number) => {
    const { url, token } = await options.target(i);
    return new Promise<void>((resolve) => {
      const ws = new WebSocket(url, ['wslb', `token.${token}`], {
        perMessageDeflate: false,
        handshakeTimeout: options.openTimeoutMs,
        ...options.wsOptions?.(i),
      });
      let isOpen = false;
      let settled = false;
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        errors[why] = (errors[why] ?? 0) + 1;
        failed += 1;
        options.onFailure?.();
        ws.terminate();
        resolve();
      };
      ws.once('open', () => {
        if (settled) return;
        settled = true;
        isOpen = true;
        opened += 1;
        set.sockets.add(ws);
        options.onProgress?.(opened);
        resolve();
      });
      ws.once('unexpected-response', (_req, res) => fail(`http ${res.statusCode}`));
      ws.on('error', (err: Error & { code?: string }) => {
        if (!isOpen) fail(err.code ?? err.message);
      });
      ws.once('close', () => {
        if (isOpen && set.sockets.delete(ws)) set.dropped += 1;
      });
    });
  };
  const lane = async () => {
    while (next < options.count && !options.halted?.()) {
      const i = next++;
      await one(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.count) }, lane));
  return { opened, failed, startedAt, finishedAt: Date.now(), errors };
}

/** Signs tokens with the run's key, as the auth service does for a node (`direct`) or the balancer. */
export function tokenSigner(keyFile: string): (audience: string, i: number) => Promise<string> {
  const keys = parseKeyRing(readFileSync(keyFile, 'utf8'));
  return async (audience, i) =>
    (await issueToken(keys, { subject: `bench-${i}`, audience, ttlSeconds: 300 })).token;
}

/** Sign `count` tokens up front, so signing is not part of what is timed (short runs only: they live 300 s). */
export async function presignTokens(keyFile: string, audience: string, count: number): Promise<string[]> {
  const sign = tokenSigner(keyFile);
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) tokens.push(await sign(audience, i));
  return tokens;
}
