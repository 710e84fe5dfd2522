import type { TargetCheck } from '../harness/check';
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
  'ramp',
  'app-hop',
] as const;
export type SectionId = (typeof SECTION_IDS)[number];

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
