import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** What the kernel holds for sockets, machine-wide, from /proc (Linux). */
export interface KernelSockets {
  /** "sockets: used": every socket of every process. */
  socketsUsed: number;
  /** TCP sockets in use (both ends of a loopback connection count). */
  tcpInUse: number;
  /** TCP buffer memory, in bytes: sockstat's "TCP … mem" (pages) × the page size. */
  tcpMemBytes: number;
  /** Slab memory in bytes (/proc/meminfo `Slab`): where the kernel's socket, file and epoll structures live. */
  slabBytes: number;
  /** /proc/meminfo `MemAvailable` in bytes. */
  availableBytes: number;
}

let pageBytes: number | undefined;
/** The page size (`getconf PAGESIZE`, 4096 on x86-64): sockstat counts TCP memory in pages. */
export function pageSize(): number {
  pageBytes ??= Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim()) || 4096;
  return pageBytes;
}

const field = (text: string, pattern: RegExp): number => Number(pattern.exec(text)?.[1] ?? 0);

/** Parses /proc/net/sockstat and /proc/meminfo texts (exported for tests). */
export function parseKernelSockets(sockstat: string, meminfo: string, page = pageSize()): KernelSockets {
  return {
    socketsUsed: field(sockstat, /^sockets: used (\d+)/m),
    tcpInUse: field(sockstat, /^TCP: inuse (\d+)/m),
    tcpMemBytes: field(sockstat, /^TCP:.* mem (\d+)/m) * page,
    slabBytes: field(meminfo, /^Slab:\s+(\d+) kB/m) * 1024,
    availableBytes: field(meminfo, /^MemAvailable:\s+(\d+) kB/m) * 1024,
  };
}

export function readKernelSockets(): KernelSockets {
  return parseKernelSockets(
    readFileSync('/proc/net/sockstat', 'utf8'),
    readFileSync('/proc/meminfo', 'utf8'),
  );
}
