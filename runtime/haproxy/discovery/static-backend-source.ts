import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Backend, BackendSource } from './backend-source';

/** Backends from a function (the local cluster's live node list) or a fixed array. */
export class StaticBackendSource implements BackendSource {
  constructor(private readonly backends: readonly Backend[] | (() => Backend[] | Promise<Backend[]>)) {}

  async list(): Promise<Backend[]> {
    const value = typeof this.backends === 'function' ? await this.backends() : this.backends;
    return value.map((b) => ({ ...b }));
  }
}

const fileSchema = z.array(
  z.object({ id: z.string().min(1), host: z.string().min(1), port: z.number().int() }),
);

/** Backends from a JSON file (`[{ id, host, port }]`) that another process rewrites. */
export class FileBackendSource implements BackendSource {
  constructor(private readonly file: string) {}

  async list(): Promise<Backend[]> {
    const parsed = fileSchema.safeParse(JSON.parse(await readFile(this.file, 'utf8')));
    if (!parsed.success)
      throw new Error(`${this.file}: not a list of { id, host, port }: ${parsed.error.message}`);
    return parsed.data;
  }
}
