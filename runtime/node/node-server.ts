import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocket, WebSocketServer } from 'ws';
import type { Strategy } from '../contract/strategies';
import { TokenError, type TokenKeyRing, type VerifiedToken, verifyTokenNow } from '../token';
import { type Refusal, refusalForCapacity, refusalForToken } from './admission';
import type { NodeAppFactory } from './app';
import { AppHost } from './app-host';
import type { AdmittedClient, ClientHost, ClientSession } from './client-session';
import { CLOSE_DRAINING, CLOSE_POLICY } from './close-codes';
import echoApp from './echo-app';
import { MessageRate } from './message-rate';
import type { NodeMetrics } from './metrics';
import { messageInProgress, type PeerLimits, peerLimits } from './peer-limits';
import { ReadGate } from './read-gate';
import { refuseUpgrade } from './refuse';
import { offeredProtocols, protocolSelectable, tokenFromRequest, WSLB_PROTOCOL } from './request-token';
import { UPSTREAM_BACKPRESSURE, type UpstreamOptions, UpstreamPipe } from './upstream-pipe';

const BAD_PROTOCOL: Refusal = { status: 400, reason: 'bad-protocol' };
const ABORTED: Refusal = { status: 400, reason: 'aborted' };

export interface NodeServerOptions {
  nodeId: string;
  /** The current key ring (it may change while the node runs). */
  keys: () => TokenKeyRing;
  /** Token audiences accepted: this node's id and, behind a balancer, the balancer's name. */
  audiences: readonly string[];
  maxConnections: number;
  pingMs: number;
  maxPayloadBytes: number;
  maxBufferedBytes: number;
  perMessageDeflate: boolean;
  /** Messages and pings one client may send per second; past it the node stops reading from it for a while. */
  maxMessagesPerSecond: number;
  metrics: NodeMetrics;
  log: Logger;
  /** The in-process application (runtime/node/app.ts). @default the echo app */
  app?: NodeAppFactory;
  /** Sidecar mode: pipe every admitted client to this upstream instead of an in-process app. @default - none */
  upstream?: UpstreamOptions;
  /** Time a client has to send its request headers, and the longest a socket may idle before it upgrades. @default 10000 */
  headersTimeoutMs?: number;
  /** PEM certificate and key: serve wss. @default - plain ws */
  tls?: { cert: string; key: string };
}

interface Client extends AdmittedClient {
  alive: boolean;
  /** The path its token was handed out for. */
  strategy?: Strategy;
  session?: ClientSession;
  /** The code the node closed this client with, if it did. */
  closedWith?: { code: number; reason: string };
  /** A message was under way at the last ping tick. */
  unfinished: boolean;
  /** A message completed since the last ping tick. */
  completed: boolean;
  /** Pings and pongs received since the last ping tick. */
  controlFrames: number;
  /** Sends queued behind a backlog (`bufferedAmount` above 0) and not yet written to the socket. */
  queuedSends: number;
  /** Counts a send written; made at the client's first send. */
  sent?: () => void;
  rate: MessageRate;
}

/** A client's WebSocket carries its client, so that one set of listeners serves every connection. */
const CLIENT = Symbol('wslb.client');
type TrackedSocket = WebSocket & { [CLIENT]: Client };
const clientOf = (ws: WebSocket): Client => (ws as TrackedSocket)[CLIENT];

/**
 * The WS node: admission before the upgrade (capacity, drain state, token), a hard connection cap,
 * ping/pong liveness, payload and send-buffer limits, `/healthz` and `/metrics`.
 */
export class NodeServer {
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly clients = new Set<Client>();
  private readonly host: ClientHost;
  private sequence = 0;
  private readonly limits: PeerLimits;
  private isDraining = false;
  private pingTimer?: NodeJS.Timeout;
  private readonly shared: ReturnType<NodeServer['sharedPerClient']>;

  constructor(private readonly options: NodeServerOptions) {
    if (options.app && options.upstream) throw new Error('NodeServer: app and upstream exclude each other');
    const onFailure = (hook: string) => options.metrics.appErrors.inc({ hook });
    this.host = options.upstream
      ? new UpstreamPipe(options.upstream, options.log.child({ component: 'upstream' }), options.metrics)
      : new AppHost(
          options.app ?? echoApp,
          {
            nodeId: options.nodeId,
            log: options.log.child({ component: 'app' }),
            metrics: options.metrics.registry,
          },
          options.log,
          onFailure,
        );
    this.limits = peerLimits(options.maxPayloadBytes, options.pingMs);
    this.shared = this.sharedPerClient();
    const onRequest = (req: IncomingMessage, res: ServerResponse) => void this.onRequest(req, res);
    // A client that trickles its headers (slowloris) holds a file descriptor; the check runs every second.
    const limits = {
      headersTimeout: options.headersTimeoutMs ?? 10_000,
      requestTimeout: options.headersTimeoutMs ?? 10_000,
      connectionsCheckingInterval: 1000,
    };
    this.http = options.tls
      ? createHttpsServer({ ...options.tls, ...limits }, onRequest)
      : createHttpServer(limits, onRequest);
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxPayloadBytes,
      maxFragments: this.limits.maxFragments,
      maxBufferedChunks: this.limits.maxBufferedChunks,
      perMessageDeflate: options.perMessageDeflate,
      clientTracking: false,
      handleProtocols: (offered) => (offered.has(WSLB_PROTOCOL) ? WSLB_PROTOCOL : false),
    });
    // A socket that sends nothing at all is not a request yet, so neither timeout above sees it: the server's
    // idle timeout closes it (no 'timeout' listener: Node destroys the socket). `ws` turns it off on upgrade.
    this.http.setTimeout(limits.headersTimeout);
    this.http.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    // A request the HTTP parser rejects gets Node's own answer (400, 431 for oversized headers, 408 for a
    // slow one) and the socket is closed; nothing of it reaches a handler.
  }

  get openConnections(): number {
    return this.clients.size;
  }

  get draining(): boolean {
    return this.isDraining;
  }

  /** A new certificate for new handshakes (TLS only); open connections keep theirs. */
  setCertificate(tls: { cert: string; key: string }): void {
    if (!(this.http instanceof HttpsServer)) throw new Error('setCertificate: this node serves plain ws');
    this.http.setSecureContext(tls);
  }

  async listen(host: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen({ host, port, backlog: 4096 }, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    this.pingTimer = setInterval(() => this.pingAll(), this.options.pingMs);
    this.pingTimer.unref();
    return (this.http.address() as AddressInfo).port;
  }

  /** Refuse new upgrades from now on; `/healthz` answers 503. */
  startDrain(): void {
    if (this.isDraining) return;
    this.isDraining = true;
    this.host.drain();
  }

  /**
   * Close every client with CLOSE_DRAINING, in batches spread over `windowMs` so their reconnects do
   * not arrive at the auth service all at once. Resolves when those closed have gone; stragglers that do not
   * finish the close handshake are terminated after the window.
   */
  closeClients(windowMs: number): Promise<void> {
    return this.closeInBatches([...this.clients], windowMs, 'draining');
  }

  /** Open clients by the path their token was handed out for. */
  connectionsByPath(): Partial<Record<Strategy, number>> {
    const counts: Partial<Record<Strategy, number>> = {};
    for (const { strategy } of this.clients) if (strategy) counts[strategy] = (counts[strategy] ?? 0) + 1;
    return counts;
  }

  /** Open clients whose token was handed out for a path other than `current` (tokens naming none excluded). */
  offPath(current: Strategy): number {
    let count = 0;
    for (const { strategy } of this.clients) if (strategy && strategy !== current) count += 1;
    return count;
  }

  /**
   * Move the clients that are on another path than `current`: close them with CLOSE_DRAINING in batches over
   * `windowMs`, as a drain does, so they log in again and are handed the current path. The node keeps serving
   * everyone else and admitting new clients. Resolves with how many were closed.
   */
  async moveOffPath(current: Strategy, windowMs: number): Promise<number> {
    const pending = [...this.clients].filter((c) => c.strategy && c.strategy !== current);
    await this.closeInBatches(pending, windowMs, 'moving to the current path');
    return pending.length;
  }

  private async closeInBatches(pending: Client[], windowMs: number, reason: string): Promise<void> {
    const start = Date.now();
    // The last quarter of the window (at most 2 s) is left for close handshakes, so the whole drain,
    // stragglers terminated included, fits in the window that systemd and the NLB are told about.
    const graceMs = Math.min(2000, windowMs / 4);
    const spreadMs = windowMs - graceMs;
    if (pending.length > 0) {
      const batches = Math.max(1, Math.min(pending.length, Math.ceil(spreadMs / 100)));
      const perBatch = Math.ceil(pending.length / batches);
      for (let b = 0, i = 0; i < pending.length; b += 1, i += perBatch) {
        for (const client of pending.slice(i, i + perBatch)) client.close(CLOSE_DRAINING, reason);
        // Batches keep to the wall clock: a busy event loop does not stretch the drain.
        const nextAt = start + ((b + 1) * spreadMs) / batches;
        if (i + perBatch < pending.length) await sleep(Math.max(0, nextAt - Date.now()));
      }
    }
    const deadline = Math.max(start + windowMs, Date.now() + 100);
    const unfinished = () => pending.filter((c) => this.clients.has(c));
    while (unfinished().length > 0 && Date.now() < deadline) await sleep(50);
    for (const client of unfinished()) client.ws.terminate();
  }

  async close(): Promise<void> {
    clearInterval(this.pingTimer);
    for (const client of this.clients) client.ws.terminate();
    this.wss.close();
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeAllConnections();
    await closed;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      const status = this.isDraining ? 503 : 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          nodeId: this.options.nodeId,
          state: this.isDraining ? 'draining' : 'active',
          connections: this.clients.size,
          connectionsByPath: this.connectionsByPath(),
        }),
      );
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      this.options.metrics.connections.set(this.clients.size);
      const body = await this.options.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': this.options.metrics.registry.contentType });
      res.end(body);
      return;
    }
    res.writeHead(path === '/' ? 426 : 404, { 'content-type': 'text/plain' });
    res.end(path === '/' ? 'upgrade required\n' : 'not found\n');
  }

  /**
   * Admission, in one tick, in the order that costs a refused client least: what the client would fail after a
   * 101 (its sub-protocol offer), the node's state and cap, the token, the client still there, then `ws`'s own
   * RFC 6455 checks in `handleUpgrade`, which creates the WebSocket synchronously. Nothing is reserved and
   * nothing awaited, so no exit path can leave a slot behind (docs/decisions/0100-admission-without-reservation.md).
   */
  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    socket.on('error', destroySocket);
    const offered = offeredProtocols(req);
    if (!protocolSelectable(offered)) return this.refuse(socket, BAD_PROTOCOL);
    const full = refusalForCapacity(this.isDraining, this.clients.size, this.options.maxConnections);
    if (full) return this.refuse(socket, full);
    let verified: VerifiedToken;
    try {
      verified = verifyTokenNow(this.options.keys(), tokenFromRequest(req, offered), this.options.audiences);
    } catch (err) {
      return this.refuse(socket, refusalForToken(err instanceof TokenError ? err.code : 'malformed'));
    }
    if (socket.destroyed || !socket.readable || !socket.writable) {
      socket.destroy();
      return this.refuse(socket, ABORTED);
    }
    let accepted = false;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      accepted = true;
      this.track(ws, verified, req);
    });
    // `ws` answers a handshake it finds invalid (400/405) itself, synchronously.
    if (!accepted) this.options.metrics.reject('bad-handshake');
  }

  private refuse(socket: Duplex, refusal: Refusal): void {
    this.options.metrics.reject(refusal.reason);
    this.options.log.debug({ reason: refusal.reason }, 'upgrade refused');
    refuseUpgrade(socket, refusal);
  }

  private track(ws: WebSocket, verified: VerifiedToken, request: IncomingMessage): void {
    const { nodeId } = this.options;
    const gate = new ReadGate(ws);
    const client: Client = {
      id: `${nodeId}:${++this.sequence}`,
      identity: { subject: verified.subject, claims: verified.claims, nodeId },
      ws,
      gate,
      alive: true,
      strategy: verified.strategy,
      unfinished: false,
      completed: false,
      controlFrames: 0,
      queuedSends: 0,
      rate: new MessageRate(gate.reason('rate'), this.options.maxMessagesPerSecond),
      send: this.shared.send,
      close: this.shared.close,
    };
    (ws as TrackedSocket)[CLIENT] = client;
    this.clients.add(client);
    this.options.metrics.accepted.inc();
    const { listeners } = this.shared;
    ws.on('ping', listeners.ping);
    ws.on('pong', listeners.pong);
    ws.on('message', listeners.message);
    ws.on('error', listeners.error);
    ws.on('close', listeners.close);
    client.session = this.host.attach(client, request);
  }

  /**
   * What every client shares: its `send` and `close` (`this` is the client) and its WebSocket's listeners (`this`
   * is the WebSocket), made once per server instead of once per connection (decision 0170).
   */
  private sharedPerClient() {
    const { metrics, log, maxBufferedBytes } = this.options;
    const { sendOverheadBytes, controlFramesPerInterval } = this.limits;
    const server = this;
    const control = (client: Client) => {
      client.rate.take();
      client.controlFrames += 1;
      if (client.controlFrames > controlFramesPerInterval)
        server.closeFor(client, 'ping-flood', 'too many pings');
    };
    return {
      send(this: Client, data: string | Uint8Array, binary: boolean): boolean {
        const { ws } = this;
        if (ws.readyState !== WebSocket.OPEN) return false;
        // With nothing buffered, the write goes straight to the kernel: a burst of echoes to a client that reads
        // costs nothing here, however many messages one read held. Behind a backlog each queued send costs
        // memory besides its bytes, so a flood of one-byte echoes to a client that does not read is charged.
        if (ws.bufferedAmount === 0) {
          ws.send(data, { binary });
        } else {
          if (ws.bufferedAmount + (this.queuedSends + 1) * sendOverheadBytes > maxBufferedBytes) {
            log.warn(
              { user: this.identity.subject, buffered: ws.bufferedAmount, queued: this.queuedSends },
              'closing a client that does not read',
            );
            server.closeFor(this, 'slow-consumer', 'too slow');
            return false;
          }
          this.queuedSends += 1;
          this.sent ??= () => {
            this.queuedSends -= 1;
          };
          ws.send(data, { binary }, this.sent);
        }
        metrics.messagesOut.inc();
        return true;
      },
      close(this: Client, code: number, reason: string): void {
        if (this.ws.readyState !== WebSocket.OPEN) return;
        this.closedWith = { code, reason };
        this.ws.close(code, reason);
        this.session?.closing?.(code, reason);
      },
      listeners: {
        ping(this: WebSocket) {
          control(clientOf(this));
        },
        pong(this: WebSocket) {
          const client = clientOf(this);
          client.alive = true;
          control(client);
        },
        message(this: WebSocket, data: Buffer, isBinary: boolean) {
          const client = clientOf(this);
          client.completed = true;
          client.rate.take();
          metrics.messagesIn.inc();
          // binaryType is 'nodebuffer': a whole message, fragments joined, is one Buffer.
          client.session?.message(data, isBinary);
        },
        error(this: WebSocket, err: Error) {
          // Oversized frames, too many fragments or chunks, and protocol errors end this client only.
          metrics.terminated.inc({ cause: (err as { code?: string }).code ?? 'error' });
          log.debug({ err: err.message, user: clientOf(this).identity.subject }, 'client error');
        },
        close(this: WebSocket, code: number, reason: Buffer) {
          const client = clientOf(this);
          client.rate.stop();
          server.clients.delete(client);
          const ended = client.closedWith ?? { code, reason: reason.toString() };
          client.session?.closed(ended.code, ended.reason);
        },
      },
    };
  }

  /** Close with 1008 and a short reason; a client that does not finish the close handshake is cut after 2 s. */
  private closeFor(client: Client, cause: string, reason: string): void {
    if (client.ws.readyState !== WebSocket.OPEN) return;
    this.options.metrics.terminated.inc({ cause });
    client.close(CLOSE_POLICY, reason);
    // Read nothing more from a client being closed for what it sent: a flood it keeps sending during the
    // close grace would otherwise be read and parsed (chaos 9: a ping flood held 141 KiB RSS a connection).
    client.ws.pause();
    setTimeout(() => client.ws.terminate(), 2000).unref();
  }

  /**
   * Every ping interval: a client that did not answer the previous ping is cut; one whose message has been
   * under way since the previous tick with nothing completed meanwhile is closed (an unfinished message lives
   * at most two ping intervals); the ping budget starts again.
   */
  private pingAll(): void {
    for (const client of this.clients) {
      // A client the node stopped reading because its upstream is slow cannot have answered; it is not dead.
      if (client.gate.holdsFor(UPSTREAM_BACKPRESSURE)) {
        client.alive = true;
        continue;
      }
      if (!client.alive) {
        this.options.metrics.terminated.inc({ cause: 'no-pong' });
        client.ws.terminate();
        continue;
      }
      const unfinished = messageInProgress(client.ws);
      if (unfinished && client.unfinished && !client.completed) {
        this.closeFor(client, 'message-timeout', 'message incomplete');
        continue;
      }
      client.unfinished = unfinished;
      client.completed = false;
      client.controlFrames = 0;
      client.alive = false;
      client.ws.ping();
    }
  }
}

/**
 * A socket's 'error' listener, which stays on it as long as the connection lives: a function of its own, since an
 * arrow function in `onUpgrade` would share that call's closure context and so hold its upgrade request, headers
 * and token claims for the life of the connection (~1.7 KB a connection, bench section 1).
 */
function destroySocket(this: Duplex): void {
  this.destroy();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
