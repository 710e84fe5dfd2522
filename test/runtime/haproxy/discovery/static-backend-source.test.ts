import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FileBackendSource,
  StaticBackendSource,
} from '../../../../runtime/haproxy/discovery/static-backend-source';

describe('StaticBackendSource', () => {
  it('returns a copy of a fixed list, or whatever the function returns now', async () => {
    const fixed = [{ id: 'n1', host: '127.0.0.1', port: 9001 }];
    const source = new StaticBackendSource(fixed);
    const listed = await source.list();
    expect(listed).toEqual(fixed);
    expect(listed[0]).not.toBe(fixed[0]);

    let current = fixed;
    const live = new StaticBackendSource(() => current);
    current = [...fixed, { id: 'n2', host: '127.0.0.1', port: 9002 }];
    expect((await live.list()).map((b) => b.id)).toEqual(['n1', 'n2']);
  });
});

describe('FileBackendSource', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wslb-backends-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the JSON list another process writes, and refuses a malformed one', async () => {
    const file = join(dir, 'backends.json');
    writeFileSync(file, JSON.stringify([{ id: 'n1', host: '127.0.0.1', port: 9001 }]));
    expect(await new FileBackendSource(file).list()).toEqual([{ id: 'n1', host: '127.0.0.1', port: 9001 }]);
    writeFileSync(file, JSON.stringify([{ id: 'n1' }]));
    await expect(new FileBackendSource(file).list()).rejects.toThrow('not a list of { id, host, port }');
  });
});
