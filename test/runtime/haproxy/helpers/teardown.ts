import type WebSocket from 'ws';
import type { LocalHaproxy } from '../../../../runtime/local/local-haproxy';
import type { EchoServer } from './echo-server';

/** Client sockets first, then HAProxy, then the backends: each step runs even when an earlier one throws. */
export async function closeHaproxyRig(
  sockets: WebSocket[],
  haproxy: LocalHaproxy | undefined,
  servers: (EchoServer | undefined)[],
): Promise<void> {
  try {
    for (const ws of sockets) ws.terminate();
  } finally {
    try {
      await haproxy?.close();
    } finally {
      await Promise.all(servers.map((s) => s?.close()));
    }
  }
}
