import { round } from '../harness/stats';
import type { Build } from './harness/worker-build';

export const SECTION_IDS = [
  'node-overhead',
  'path-cost',
  'evenness',
  'capacity',
  'port-wall',
  'scale-out',
  'login-cost',
  'registry-cost',
] as const;
export type SectionId = (typeof SECTION_IDS)[number];

/** A target from the issue, checked against a figure measured in this run. */
export interface TargetCheck {
  name: string;
  value: number;
  op: '<=' | '>=';
  limit: number;
  met: boolean;
  /** When missed: how far off, relative to the limit (0.12 = 12 %). */
  missedBy?: number;
}

export interface SectionOutput {
  /** Machine-readable figures. */
  data: Record<string, unknown>;
  targets: TargetCheck[];
  /** Markdown table: the header row first. */
  table: string[][];
  notes?: string[];
  /** SVG charts: file name → content. */
  charts?: Record<string, string>;
}

export interface SectionResult extends Omit<SectionOutput, 'charts'> {
  id: SectionId;
  title: string;
  status: 'ok' | 'failed';
  durationMs: number;
  error?: string;
  charts: string[];
}

export interface SectionContext {
  quick: boolean;
  build: Build;
}

export interface Section {
  id: SectionId;
  title: string;
  run(ctx: SectionContext): Promise<SectionOutput>;
}

export function check(name: string, value: number, op: '<=' | '>=', limit: number): TargetCheck {
  const met = op === '<=' ? value <= limit : value >= limit;
  const off = op === '<=' ? (value - limit) / limit : (limit - value) / limit;
  return { name, value: round(value, 4), op, limit, met, ...(met ? {} : { missedBy: round(off, 4) }) };
}
