import WebSocket from 'ws';
import { connect } from '../../runtime/client/node';
import { LatencyRecorder, type LatencySummary } from '../harness/hdr';
import { presignTokens } from './open-sockets';
import type { BoundedJob } from './protocol';
import { serveWorker } from './serve';

/** How a client gets in: through the auth service (`connect`), or straight to a node with a signed token (floor). */
export type Via =
  | { kind: 'auth'; authUrl: string; credentials: { username: string; password: string } }
  | { kind: 'token'; url: string; keyFile: string; audience: string };

export interface PathJob extends BoundedJob {
  via: Via;
  sessions: number;
  warmup: number;
  concurrency: number;
  connections: number;
  messages: number;
  messageBytes: number;
}

export interface PathResult {
  /** From asking for a session (or opening, for the floor) to `open`. */
  sessionToOpen: LatencySummary;
  sessionFailures: number;
  roundTrip: LatencySummary;
  messagesPerSecond: number;
}

interface Channel {
  send(data: Buffer): void;
  onMessage(cb: () => void): void;
  close(): void;
}

/** Opens one channel over the chosen path; resolves when it is open. */
function openChannel(via: Via, tokens: string[], timeoutMs: number): Promise<Channel> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('open timed out')), timeoutMs);
    if (via.kind === 'token') {
      const ws = new WebSocket(via.url, ['wslb', `token.${tokens.pop()}`], { perMessageDeflate: false });
      ws.once('open', () => {
        clearTimeout(timer);
        resolve({
          send: (d) => ws.send(d),
          onMessage: (cb) => ws.on('message', cb),
          close: () => ws.close(),
        });
      });
      ws.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      return;
    }
    const client = connect({ authUrl: via.authUrl, credentials: via.credentials });
    client.on('open', () => {
      clearTimeout(timer);
      resolve({
        send: (d) => client.send(d),
        onMessage: (cb) => client.on('message', cb),
        close: () => client.close(),
      });
    });
    client.on('reconnecting', () => {
      clearTimeout(timer);
      client.close();
      reject(new Error('connect failed'));
    });
    client.on('error', (err: Error) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

async function sessions(job: PathJob, tokens: string[], progress: (n: number) => void) {
  const recorder = new LatencyRecorder();
  let next = 0;
  let failures = 0;
  const total = job.warmup + job.sessions;
  const lane = async () => {
    while (next < total) {
      const i = next++;
      const t0 = performance.now();
      try {
        const channel = await openChannel(job.via, tokens, 10_000);
        if (i >= job.warmup) recorder.recordMs(performance.now() - t0);
        channel.close();
      } catch {
        failures += 1;
      }
      progress(i + 1);
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, lane));
  return { summary: recorder.summary(), failures };
}

async function roundTrips(job: PathJob, tokens: string[]) {
  const channels = await Promise.all(
    Array.from({ length: job.connections }, () => openChannel(job.via, tokens, 10_000)),
  );
  const recorder = new LatencyRecorder();
  const payload = Buffer.alloc(job.messageBytes, 120);
  const perChannel = Math.ceil(job.messages / job.connections);
  const t0 = performance.now();
  await Promise.all(
    channels.map(
      (channel) =>
        new Promise<void>((resolve) => {
          let sent = 0;
          let sentAt = 0;
          const fire = () => {
            sentAt = performance.now();
            sent += 1;
            channel.send(payload);
          };
          channel.onMessage(() => {
            recorder.recordMs(performance.now() - sentAt);
            if (sent < perChannel) fire();
            else resolve();
          });
          fire();
        }),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  for (const c of channels) c.close();
  const summary = recorder.summary();
  return { summary, messagesPerSecond: Math.round(summary.count / seconds) };
}

/** Path cost: session-to-open latency at bounded concurrency, then message round trips on held connections. */
serveWorker<PathJob, PathResult>({
  async run(job, progress) {
    const tokens =
      job.via.kind === 'token'
        ? await presignTokens(job.via.keyFile, job.via.audience, job.sessions + job.warmup + job.connections)
        : [];
    const s = await sessions(job, tokens, progress);
    const r = await roundTrips(job, tokens);
    return {
      sessionToOpen: s.summary,
      sessionFailures: s.failures,
      roundTrip: r.summary,
      messagesPerSecond: r.messagesPerSecond,
    };
  },
});
