import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ephemeralRange, freePort, freePorts } from '../../../runtime/local/free-port';

const canBind = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

describe('freePorts', () => {
  it('gives distinct, bindable ports below the ephemeral range, so no connect() takes one first', async () => {
    const { low } = ephemeralRange();
    for (let round = 0; round < 50; round++) {
      const ports = await freePorts(3);
      expect(new Set(ports).size).toBe(3);
      for (const p of ports) expect(p).toBeLessThan(low);
    }
    const ports = await freePorts(2);
    for (const p of ports) expect(await canBind(p)).toBe(true);
    expect(await freePort()).toBeLessThan(low);
  });

  it('keeps them distinct even when every pick lands on the same candidate', async () => {
    // The same random number each time: the second pick finds the first held and moves on.
    const ports = await freePorts(3, { random: () => 0.5 });
    expect(new Set(ports).size).toBe(3);
  });

  it('lets the kernel pick when there is no room below the range', async () => {
    const ports = await freePorts(2, { range: { low: 20_050 } });
    expect(new Set(ports).size).toBe(2);
    for (const p of ports) expect(p).toBeGreaterThan(0);
  });
});

describe('ephemeralRange', () => {
  it("reads the kernel's range, and falls back to its default", () => {
    const dir = mkdtempSync(join(tmpdir(), 'wslb-range-'));
    try {
      writeFileSync(join(dir, 'range'), '40000\t40199\n');
      expect(ephemeralRange(join(dir, 'range'))).toEqual({ low: 40_000, high: 40_199 });
      writeFileSync(join(dir, 'bad'), 'x\n');
      expect(ephemeralRange(join(dir, 'bad'))).toEqual({ low: 32_768, high: 60_999 });
      expect(ephemeralRange(join(dir, 'missing'))).toEqual({ low: 32_768, high: 60_999 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
