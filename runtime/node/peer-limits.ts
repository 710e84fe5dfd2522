import type { WebSocket } from 'ws';

/**
 * Bounds on what one client can make the node hold, derived from the configured limits so that memory per
 * connection follows `MAX_PAYLOAD_BYTES` and `MAX_BUFFERED_BYTES` whatever the frame pattern. Figures measured on
 * Node 20 with `ws` 8.23: a buffered fragment or chunk costs 100-250 bytes of heap and pins the socket read it came
 * in (docs/hardening.md, "Per-connection memory").
 */
export interface PeerLimits {
  /** Data frames one message may span (`ws` `maxFragments`; past it `ws` closes with 1008). */
  maxFragments: number;
  /** Socket reads one frame may span (`ws` `maxBufferedChunks`; past it `ws` closes with 1008). */
  maxBufferedChunks: number;
  /** Pings and pongs a client may send per ping interval; past it the node closes with 1008. */
  controlFramesPerInterval: number;
  /** What one queued send is charged besides its bytes when the send buffer is checked against its limit. */
  sendOverheadBytes: number;
}

/** A fragment must carry 1 KiB on average, a socket read 512 bytes, for a message at the limit. */
const BYTES_PER_FRAGMENT = 1024;
const BYTES_PER_CHUNK = 512;
/** Floors, for small message limits: a few fragments and reads are always allowed. */
const MIN_FRAGMENTS = 16;
const MIN_CHUNKS = 64;
/** Ten pings or pongs a second, averaged over the ping interval, and at least 20 per interval. */
const CONTROL_FRAMES_PER_SECOND = 10;
const MIN_CONTROL_FRAMES = 20;
/** Measured: a queued 1-byte echo held ~200 bytes (write request, header buffer, callback) on Node 20. */
export const SEND_OVERHEAD_BYTES = 256;

export function peerLimits(maxPayloadBytes: number, pingMs: number): PeerLimits {
  return {
    maxFragments: Math.max(MIN_FRAGMENTS, Math.ceil(maxPayloadBytes / BYTES_PER_FRAGMENT)),
    maxBufferedChunks: Math.max(MIN_CHUNKS, Math.ceil(maxPayloadBytes / BYTES_PER_CHUNK)),
    controlFramesPerInterval: Math.max(
      MIN_CONTROL_FRAMES,
      Math.ceil((CONTROL_FRAMES_PER_SECOND * pingMs) / 1000),
    ),
    sendOverheadBytes: SEND_OVERHEAD_BYTES,
  };
}

/** The parts of `ws`'s receiver (8.23, `lib/receiver.js`) that tell whether a message is under way. */
interface ReceiverState {
  _numFragments: number;
  _bufferedBytes: number;
}

/**
 * Whether `ws` holds part of a message from this client: fragments of an unfinished message, or bytes of a frame
 * still arriving. `ws` exposes no API for it; these fields are read here only, and
 * test/runtime/node/peer-limits.test.ts fails if a `ws` upgrade changes them.
 */
export function messageInProgress(ws: WebSocket): boolean {
  const receiver = (ws as unknown as { _receiver?: ReceiverState })._receiver;
  return receiver !== undefined && (receiver._numFragments > 0 || receiver._bufferedBytes > 0);
}
