import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export const VRRP_STATES = ['MASTER', 'BACKUP', 'FAULT', 'STOP'] as const;
export type VrrpState = (typeof VRRP_STATES)[number];

/** What the last keepalived notify said, and which keepalived process said it. */
export interface VrrpRecord {
  state: VrrpState;
  /** ISO time of the notify; a new one starts a new MASTER spell for the reconcile loop. */
  at: string;
  /** The VRRP process that ran the notify (from its pid file); undefined when that file was unreadable. */
  keepalivedPid?: number;
}

/** Records the state keepalived notified (and which keepalived process), for the reconcile loop. Atomic. */
export async function writeVrrpState(
  file: string,
  state: VrrpState,
  options: { keepalivedPid?: number; now?: Date } = {},
): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const at = (options.now ?? new Date()).toISOString();
  const out: VrrpRecord = { state, at, keepalivedPid: options.keepalivedPid };
  await writeFile(tmp, `${JSON.stringify(out)}\n`);
  await rename(tmp, file);
}

/** The last notified state; undefined when none was written or the file is unreadable. */
export async function readVrrpState(file: string): Promise<VrrpState | undefined> {
  return (await readVrrpRecord(file))?.state;
}

/** The last notify as recorded; undefined when none was written or the file is unreadable. */
export async function readVrrpRecord(file: string): Promise<VrrpRecord | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<Record<keyof VrrpRecord, unknown>>;
    const state = VRRP_STATES.find((s) => s === parsed.state);
    if (!state || typeof parsed.at !== 'string') return undefined;
    const pid = parsed.keepalivedPid;
    return { state, at: parsed.at, keepalivedPid: Number.isInteger(pid) ? (pid as number) : undefined };
  } catch {
    return undefined;
  }
}
