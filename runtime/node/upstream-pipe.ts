import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { WebSocket } from 'ws';
import { IDENTITY_HEADER_PREFIX, IDENTITY_HEADERS } from '../contract/upstream';
import type { AdmittedClient, ClientHost, ClientSession } from './client-session';
import { CLOSE_APP_ERROR, CLOSE_BAD_GATEWAY } from './close-codes';
import type { NodeMetrics } from './metrics';

/** The read-gate reason under which a client waits for its slow upstream. */
export const UPSTREAM_BACKPRESSURE = 'upstream';
const UPSTREAM_CONNECTING = 'upstream-connecting';

export interface UpstreamOptions {
  /** `ws://127.0.0.1:9000/…`: checked by the caller (runtime/contract/upstream.ts). */
  url: string;
  /** Time the upstream has to answer the upgrade; then the client is closed with 1014. @default 5000 */
  connectTimeoutMs?: number;
  /**
   * Bytes written towards one side and not yet flushed past which the node stops reading from the other side
   * (it reads again below half). @default 1 MiB
   */
  highWaterBytes?: number;
}

/** Request headers the node does not forward: the hop's own, the handshake's, and anything posing as the node. */
const NOT_FORWARDED = new Set([
  'host',
  'connection',
  'upgrade',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'content-length',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
]);

/** Close codes an endpoint may send (RFC 6455 7.4; `ws`'s own check); others are mapped before they are passed on. */
const sendable = (code: number) =>
  (code >= 1000 && code <= 1014 && ![1004, 1005, 1006].includes(code)) || (code >= 3000 && code <= 4999);

/**
 * Sidecar mode: each admitted client is piped to a WebSocket of its own to the upstream, opened with the verified
 * identity in `x-wslb-*` headers. Messages flow both ways with backpressure: when one side has more than
 * `highWaterBytes` unflushed, the node stops reading from the other. A close on either side closes the other with
 * the same code; an upstream that cannot be reached closes the client with 1014, one that breaks off with 1011;
 * a drain closes both with 1012.
 */
export class UpstreamPipe implements ClientHost {
  private readonly base: URL;
  private readonly connectTimeoutMs: number;
  private readonly highWaterBytes: number;

  constructor(
    options: UpstreamOptions,
    private readonly log: Logger,
    private readonly metrics: NodeMetrics,
  ) {
    this.base = new URL(options.url);
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.highWaterBytes = options.highWaterBytes ?? 1 << 20;
  }

  drain(): void {
    // The node closes every client with 1012; each pipe passes the code on (closing, below).
  }

  attach(client: AdmittedClient, request: IncomingMessage): ClientSession {
    const { log, metrics, highWaterBytes } = this;
    const context = { connection: client.id, subject: client.identity.subject };
    const upstream = new WebSocket(this.targetUrl(request), {
      headers: this.headers(client, request),
      handshakeTimeout: this.connectTimeoutMs,
      perMessageDeflate: false,
      followRedirects: false,
    });
    let opened = false;
    /** Messages that arrived while the upstream was connecting (at most one socket read: the client is paused). */
    let early: [Buffer, boolean][] = [];
    let upBytes = 0;
    let downBytes = 0;
    client.gate.hold(UPSTREAM_CONNECTING);

    const toUpstream = (data: Buffer, isBinary: boolean) => {
      upBytes += data.length;
      if (upBytes > highWaterBytes) client.gate.hold(UPSTREAM_BACKPRESSURE);
      upstream.send(data, { binary: isBinary }, () => {
        upBytes -= data.length;
        if (upBytes <= highWaterBytes / 2) client.gate.release(UPSTREAM_BACKPRESSURE);
      });
    };
    /** A close asked for while the upstream was still connecting: the upstream gets it once open. */
    let closeWhenOpen: [number, string] | undefined;
    const closeUpstream = (code: number, reason: string) => {
      if (upstream.readyState === WebSocket.CONNECTING) closeWhenOpen ??= [code, reason];
      if (upstream.readyState !== WebSocket.OPEN) return;
      upstream.close(sendable(code) ? code : code === 1005 ? 1000 : 1001, reason);
    };

    upstream.on('open', () => {
      opened = true;
      if (closeWhenOpen) return closeUpstream(...closeWhenOpen);
      client.gate.release(UPSTREAM_CONNECTING);
      for (const [data, isBinary] of early) toUpstream(data, isBinary);
      early = [];
    });
    upstream.on('message', (data, isBinary) => {
      const { ws } = client;
      if (ws.readyState !== WebSocket.OPEN) return;
      const bytes = data as Buffer;
      downBytes += bytes.length;
      if (downBytes > highWaterBytes) upstream.pause();
      ws.send(bytes, { binary: isBinary }, () => {
        downBytes -= bytes.length;
        if (downBytes <= highWaterBytes / 2) upstream.resume();
      });
      metrics.messagesOut.inc();
    });
    upstream.on('error', (err) => {
      log.warn({ ...context, err: err.message, opened }, 'upstream error');
    });
    upstream.on('close', (code, reason) => {
      client.gate.release(UPSTREAM_CONNECTING);
      client.gate.release(UPSTREAM_BACKPRESSURE);
      if (client.ws.readyState !== WebSocket.OPEN) return;
      if (!opened) {
        metrics.upstreamFailures.inc({ stage: 'connect' });
        return client.close(CLOSE_BAD_GATEWAY, 'upstream unavailable');
      }
      if (code === 1006) {
        metrics.upstreamFailures.inc({ stage: 'open' });
        return client.close(CLOSE_APP_ERROR, 'upstream lost');
      }
      client.close(sendable(code) ? code : 1000, reason.toString());
    });

    return {
      message: (data, isBinary) => {
        if (upstream.readyState === WebSocket.OPEN) toUpstream(data, isBinary);
        else if (upstream.readyState === WebSocket.CONNECTING) early.push([data, isBinary]);
      },
      closing: closeUpstream,
      closed: closeUpstream,
    };
  }

  /** The upstream URL with the client's path appended and its query, less the token. */
  private targetUrl(request: IncomingMessage): URL {
    const asked = new URL(request.url ?? '/', 'http://client.invalid');
    asked.searchParams.delete('token');
    const target = new URL(this.base);
    target.pathname = `${target.pathname.replace(/\/$/, '')}${asked.pathname}`;
    for (const [name, value] of asked.searchParams) target.searchParams.append(name, value);
    return target;
  }

  private headers(client: AdmittedClient, request: IncomingMessage): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined || NOT_FORWARDED.has(name) || name.startsWith(IDENTITY_HEADER_PREFIX)) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const peer = request.socket.remoteAddress;
    if (peer)
      headers['x-forwarded-for'] = headers['x-forwarded-for']
        ? `${headers['x-forwarded-for']}, ${peer}`
        : peer;
    headers[IDENTITY_HEADERS.subject] = encodeURIComponent(client.identity.subject);
    headers[IDENTITY_HEADERS.node] = client.identity.nodeId;
    headers[IDENTITY_HEADERS.connection] = client.id;
    headers[IDENTITY_HEADERS.claims] = Buffer.from(JSON.stringify(client.identity.claims)).toString(
      'base64url',
    );
    return headers;
  }
}
