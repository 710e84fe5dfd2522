/**
 * Bytes on the wire that an NLB counts as processed (its ProcessedBytes metric includes TCP/IP headers) and
 * that leave AWS. Estimates from the protocols, stated here so they can be checked: IPv4 + TCP with the
 * timestamp option is 52 bytes a segment; every data segment is answered by one bare ACK (no coalescing,
 * the worst case); WebSocket frames (RFC 6455 §5.2) add 2, 4 or 10 bytes, and 4 more for the mask on frames
 * a client sends.
 */

export const TCP_IP_HEADER_BYTES = 52;

/** Header of a WebSocket frame carrying `payload` bytes, without the client's mask. */
export function frameHeaderBytes(payload: number): number {
  if (payload <= 125) return 2;
  if (payload <= 65_535) return 4;
  return 10;
}

/** One message of `payload` bytes, half sent by clients (masked), half by nodes; with its segment and ACK. */
export function messageWireBytes(payload: number): number {
  return payload + frameHeaderBytes(payload) + 2 + TCP_IP_HEADER_BYTES * 2;
}

/** One keep-alive round: the node's empty ping, the client's masked pong, and the ACK of the pong. */
export const PING_ROUND_BYTES = 2 + TCP_IP_HEADER_BYTES + (2 + 4 + TCP_IP_HEADER_BYTES) + TCP_IP_HEADER_BYTES;

/**
 * Opening and closing one connection: 3 segments for the handshake and 4 for the close, the upgrade request
 * with its token in a sub-protocol (~700 bytes with a ~300-byte JWT) and the 101 answer (~150 bytes).
 */
export const CONNECTION_OPEN_CLOSE_BYTES = 7 * TCP_IP_HEADER_BYTES + 700 + 150;
