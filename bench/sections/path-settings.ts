import type { SectionContext } from '../types';
import type { PathJob } from '../workers/path-worker';

/** The same sizes for every path, in the root namespace and in the nlb one. */
export const pathSettings = (ctx: SectionContext): Omit<PathJob, 'paths'> => ({
  sessions: ctx.quick ? 150 : 5_000,
  warmup: ctx.quick ? 30 : 200,
  concurrency: 10,
  connections: ctx.quick ? 10 : 100,
  messages: ctx.quick ? 500 : 20_000,
  messageBytes: 32,
  slices: ctx.quick ? 2 : 10,
  deadlineMs: 600_000,
});
