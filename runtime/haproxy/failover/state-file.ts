import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export const VRRP_STATES = ['MASTER', 'BACKUP', 'FAULT', 'STOP'] as const;
export type VrrpState = (typeof VRRP_STATES)[number];

/** Records the state keepalived last notified, for the reconcile loop. Written atomically. */
export async function writeVrrpState(file: string, state: VrrpState, now = new Date()): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify({ state, at: now.toISOString() })}\n`);
  await rename(tmp, file);
}

/** The last notified state; undefined when none was written or the file is unreadable. */
export async function readVrrpState(file: string): Promise<VrrpState | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { state?: unknown };
    return VRRP_STATES.find((s) => s === parsed.state);
  } catch {
    return undefined;
  }
}
