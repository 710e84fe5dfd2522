import { Writable } from 'node:stream';
import pino from 'pino';

/** A pino logger whose JSON lines are kept in memory for assertions. */
export function memoryLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines, events: () => lines.map((l) => l.event) };
}
