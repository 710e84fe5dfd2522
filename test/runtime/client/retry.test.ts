import { AuthRefusedError } from '../../../runtime/client';
import { ClientRig, once, record, sleep, within } from './helpers/rig';

const rig = new ClientRig();

/** Until `retries` (recorded) holds `count`; a generous bound, not a timing claim. */
const untilRetries = (retries: unknown[], count: number) =>
  within(
    (async () => {
      while (retries.length < count) await sleep(20);
    })(),
    20_000,
    `${count} retries`,
  );
beforeEach(() => rig.setUp());
afterEach(() => rig.tearDown());

describe('the client retries what is temporary and stops on what is not', () => {
  it.each([408, 425, 429, 500, 502, 503, 504])(
    'an auth answer %d once is retried, not fatal',
    async (status) => {
      rig.auth.script = [{ status }];
      const c = rig.start();
      const errors = record(c, 'error');
      const retries = record(c, 'reconnecting');
      await within(once(c, 'open'), 10_000, 'open');
      expect(errors).toEqual([]);
      expect(retries.map((r) => r.cause)).toEqual([`auth unavailable (${status})`]);
      expect(rig.auth.sessions).toBe(2);
    },
  );

  it.each([400, 401, 403, 404, 405, 413])(
    'an auth answer %d stops the client with an error event',
    async (status) => {
      rig.auth.script = [{ status }];
      const c = rig.start();
      const err = await within(once(c, 'error'), 10_000, 'error');
      expect(err).toBeInstanceOf(AuthRefusedError);
      expect((err as AuthRefusedError).status).toBe(status);
      await sleep(300);
      expect(rig.auth.sessions).toBe(1);
    },
  );

  it('waits at least Retry-After in seconds, with jitter above it', async () => {
    rig.auth.script = [{ status: 429, headers: { 'retry-after': '1' } }];
    const c = rig.start({ random: () => 0.5 });
    const retry = once(c, 'reconnecting');
    await within(once(c, 'open'), 10_000, 'open');
    // floor 1000 + 0.5 x max(window 20, floor 1000)
    expect((await retry).delayMs).toBe(1500);
    expect(rig.auth.arrivals[1] - rig.auth.arrivals[0]).toBeGreaterThanOrEqual(1000);
  });

  it('waits at least Retry-After given as an HTTP-date', async () => {
    const at = Date.now() + 3_000;
    rig.auth.script = [{ status: 503, headers: { 'retry-after': new Date(at).toUTCString() } }];
    const c = rig.start({ random: () => 0 });
    const retry = once(c, 'reconnecting');
    await within(once(c, 'open'), 10_000, 'open');
    // The date has whole seconds: the next login comes no earlier than that second began.
    expect(rig.auth.arrivals[1]).toBeGreaterThanOrEqual(Math.floor(at / 1000) * 1000 - 5);
    expect((await retry).delayMs).toBeLessThanOrEqual(3_000);
  });
});

describe('after an unplanned close the first retry is spread over unplannedSpreadMs', () => {
  it('the node dies (1006): the retry lands in the spread window, not in the first back-off window', async () => {
    const c = rig.start({ random: () => 0.5, backoff: { baseMs: 20, maxMs: 100, unplannedSpreadMs: 4_000 } });
    await once(c, 'open');
    const retry = once(c, 'reconnecting');
    const closed = once(c, 'close');
    await rig.node.close();
    expect((await closed).code).toBe(1006);
    expect(await retry).toMatchObject({ cause: 'closed 1006', delayMs: 2000 });
  });

  it('a drain (1012) is already spread by the node: the ordinary back-off applies', async () => {
    const c = rig.start({ random: () => 0.5, backoff: { baseMs: 20, maxMs: 100, unplannedSpreadMs: 4_000 } });
    await once(c, 'open');
    const retry = once(c, 'reconnecting');
    await rig.node.closeClients(0);
    expect(await retry).toMatchObject({ cause: 'closed 1012', delayMs: 10 });
  });

  it('keeps counting attempts across opens that do not last, so the window grows instead of resetting', async () => {
    // Each socket is closed (1000) by the server right after it opens, as a node that accepts and dies would.
    const c = rig.start({
      random: () => 0.999,
      backoff: { baseMs: 20, maxMs: 10_000, unplannedSpreadMs: 0, stableAfterMs: 60_000 },
    });
    const retries = record(c, 'reconnecting');
    c.on('open', () => setTimeout(() => void rig.node.closeClients(0), 10));
    await untilRetries(retries, 4);
    c.close();
    expect(retries.map((r) => r.attempt)).toEqual([1, 2, 3, 4]);
    expect(retries.map((r) => r.delayMs)).toEqual([19, 39, 79, 159]);
  });

  it('resets the attempt count once a socket has stayed open stableAfterMs', async () => {
    const c = rig.start({
      random: () => 0.999,
      backoff: { baseMs: 20, maxMs: 10_000, unplannedSpreadMs: 0, stableAfterMs: 300 },
    });
    rig.auth.script = [{ status: 503 }, { status: 503 }];
    await once(c, 'open');
    expect(c.connected).toBe(true);
    await sleep(400);
    const retry = once(c, 'reconnecting');
    await rig.node.closeClients(0);
    expect(await retry).toMatchObject({ attempt: 1, delayMs: 19 });
  });
});

describe('a planned move (1012) does not wait out a back-off built up before it (decision 0184)', () => {
  // Five refused logins first: attempt 5, an exponential window of 20 x 2^5 = 640 ms (maxMs 10 s).
  const backoff = { baseMs: 20, maxMs: 10_000, unplannedSpreadMs: 0, stableAfterMs: 60_000 };
  const afterFiveFailures = async (options: Parameters<ClientRig['start']>[0] = {}) => {
    rig.auth.script = Array.from({ length: 5 }, () => ({ status: 503 }));
    const c = rig.start({ random: () => 0.999, backoff, ...options });
    expect(await within(once(c, 'open'), 20_000, 'open')).toMatchObject({ attempt: 5 });
    return c;
  };

  it('a 1012 on a connection younger than stableAfterMs retries within the base window', async () => {
    const c = await afterFiveFailures();
    const retry = once(c, 'reconnecting');
    await rig.node.closeClients(0);
    // The attempt count still says how many retries since the last stable connection.
    expect(await retry).toMatchObject({ cause: 'closed 1012', attempt: 6, delayMs: 19 });
  });

  it('1012 after 1012 without a stable connection still doubles the window each time', async () => {
    const c = await afterFiveFailures();
    const retries = record(c, 'reconnecting');
    c.on('open', () => setTimeout(() => void rig.node.closeClients(0), 10));
    await rig.node.closeClients(0);
    await untilRetries(retries, 5);
    c.close();
    expect(retries.map((r) => r.cause)).toEqual(Array(5).fill('closed 1012'));
    expect(retries.map((r) => r.delayMs)).toEqual([19, 39, 79, 159, 319]);
  });

  it('a failure after the move backs off from the attempt count it had built up', async () => {
    const c = await afterFiveFailures();
    const retries = record(c, 'reconnecting');
    rig.auth.script = [{ status: 503 }];
    await rig.node.closeClients(0);
    await within(once(c, 'open'), 20_000, 'open');
    // The move: the base window; the refused login after it: attempt 6, 20 x 2^6 = 1280 ms.
    expect(retries.map((r) => [r.cause, r.delayMs])).toEqual([
      ['closed 1012', 19],
      ['auth unavailable (503)', 1278],
    ]);
  });

  it('other closes keep the built-up window: 1006 (unplanned) and 1009 (this client)', async () => {
    const c = await afterFiveFailures();
    const dead = once(c, 'reconnecting');
    // Auth hands out the next node before this one dies, so the retry finds it.
    const dying = rig.node;
    await rig.startNode({ maxPayloadBytes: 16 });
    const reopened = once(c, 'open');
    await dying.close();
    expect(await dead).toMatchObject({ cause: 'closed 1006', delayMs: 639 });
    await within(reopened, 20_000, 'open');
    const tooBig = once(c, 'reconnecting');
    c.send('x'.repeat(64));
    expect(await tooBig).toMatchObject({ cause: 'closed 1009', delayMs: 1278 });
  });
});
