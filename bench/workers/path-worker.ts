import WebSocket from 'ws';
import type { BoundedJob } from '../../harness/worker/protocol';
import { serveWorker } from '../../harness/worker/serve';
import { connect } from '../../runtime/client/node';
import { LatencyRecorder, type LatencySummary } from '../harness/hdr';
import { presignTokens } from './open-sockets';

/** How a client gets in: through the auth service (`connect`), or straight to a node with a signed token (floor). */
export type Via =
  | { kind: 'auth'; authUrl: string; credentials: { username: string; password: string } }
  | { kind: 'token'; url: string; keyFile: string; audience: string };

export interface PathJob extends BoundedJob {
  paths: { name: string; via: Via }[];
  sessions: number;
  warmup: number;
  concurrency: number;
  connections: number;
  messages: number;
  messageBytes: number;
  /** Each path's work is cut into this many slices, taken in turn, so machine drift hits every path alike. */
  slices: number;
}

export interface PathResult {
  /** From asking for a session (or opening, for the floor) to `open`. */
  sessionToOpen: LatencySummary;
  sessionFailures: number;
  /** Why sessions failed: the client's reconnect cause (auth status, upgrade refusal) or the error. */
  failureCauses: Record<string, number>;
  roundTrip: LatencySummary;
  messagesPerSecond: number;
}

interface Channel {
  send(data: Buffer): void;
  /** Replaces the previous message handler. */
  onMessage(cb: () => void): void;
  close(): void;
}

/** Opens one channel over the chosen path; resolves when it is open. */
function openChannel(via: Via, tokens: string[], timeoutMs: number): Promise<Channel> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('open timed out')), timeoutMs);
    let handler = () => {};
    const onMessage = (cb: () => void) => {
      handler = cb;
    };
    if (via.kind === 'token') {
      const ws = new WebSocket(via.url, ['wslb', `token.${tokens.pop()}`], { perMessageDeflate: false });
      ws.on('message', () => handler());
      ws.once('open', () => {
        clearTimeout(timer);
        resolve({
          send: (d) => ws.send(d),
          onMessage,
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
    client.on('message', () => handler());
    client.on('open', () => {
      clearTimeout(timer);
      resolve({
        send: (d) => client.send(d),
        onMessage,
        close: () => client.close(),
      });
    });
    client.on('reconnecting', ({ cause }) => {
      clearTimeout(timer);
      client.close();
      reject(new Error(cause));
    });
    client.on('error', (err: Error) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

interface PathState {
  via: Via;
  tokens: string[];
  sessions: LatencyRecorder;
  failures: number;
  failureCauses: Record<string, number>;
  rtt: LatencyRecorder;
  rttSeconds: number;
  channels: Channel[];
}

async function sessionSlice(state: PathState, count: number, record: boolean, concurrency: number) {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      next += 1;
      const t0 = performance.now();
      try {
        const channel = await openChannel(state.via, state.tokens, 10_000);
        if (record) state.sessions.recordMs(performance.now() - t0);
        channel.close();
      } catch (err) {
        state.failures += 1;
        const cause = (err as Error).message;
        state.failureCauses[cause] = (state.failureCauses[cause] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

/** `perChannel` round trips on each held channel, one message in flight per channel. */
async function roundTripSlice(state: PathState, perChannel: number, payload: Buffer) {
  const t0 = performance.now();
  await Promise.all(
    state.channels.map(
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
            state.rtt.recordMs(performance.now() - sentAt);
            if (sent < perChannel) fire();
            else resolve();
          });
          fire();
        }),
    ),
  );
  state.rttSeconds += (performance.now() - t0) / 1000;
}

/** Rotate the order each slice, so no path always goes first. */
const rotated = <T>(list: T[], by: number) => list.map((_, i) => list[(i + by) % list.length]);

/** Path cost: session-to-open latency at bounded concurrency, then message round trips on held connections. */
serveWorker<PathJob, Record<string, PathResult>>({
  async run(job, progress) {
    const states: PathState[] = [];
    for (const { via } of job.paths) {
      const tokens =
        via.kind === 'token'
          ? await presignTokens(via.keyFile, via.audience, job.sessions + job.warmup + job.connections)
          : [];
      const state = {
        via,
        tokens,
        sessions: new LatencyRecorder(),
        failures: 0,
        failureCauses: {},
        rtt: new LatencyRecorder(),
        rttSeconds: 0,
        channels: [],
      };
      states.push(state);
      await sessionSlice(state, job.warmup, false, job.concurrency);
    }
    let done = 0;
    for (let slice = 0; slice < job.slices; slice++) {
      for (const state of rotated(states, slice)) {
        await sessionSlice(state, Math.ceil(job.sessions / job.slices), true, job.concurrency);
        done += Math.ceil(job.sessions / job.slices);
        progress(done);
      }
    }
    for (const state of states) {
      state.channels = await Promise.all(
        Array.from({ length: job.connections }, () => openChannel(state.via, state.tokens, 10_000)),
      );
    }
    const payload = Buffer.alloc(job.messageBytes, 120);
    const perChannel = Math.max(1, Math.round(job.messages / job.connections / job.slices));
    for (let slice = 0; slice < job.slices; slice++) {
      for (const state of rotated(states, slice)) await roundTripSlice(state, perChannel, payload);
    }
    const out: Record<string, PathResult> = {};
    job.paths.forEach(({ name }, i) => {
      const state = states[i];
      for (const c of state.channels) c.close();
      const roundTrip = state.rtt.summary();
      out[name] = {
        sessionToOpen: state.sessions.summary(),
        sessionFailures: state.failures,
        failureCauses: state.failureCauses,
        roundTrip,
        messagesPerSecond: Math.round(roundTrip.count / state.rttSeconds),
      };
    });
    return out;
  },
});
