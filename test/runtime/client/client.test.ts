import { ClientRig, once, sleep } from './helpers/rig';

const rig = new ClientRig();
beforeEach(() => rig.setUp());
afterEach(() => rig.tearDown());

describe('client', () => {
  it.each(['protocol', 'query'] as const)(
    'logs in, connects with the token in the %s, and exchanges messages',
    async (tokenIn) => {
      const c = rig.start({ tokenIn });
      await once(c, 'open');
      const reply = once(c, 'message');
      c.send('hi');
      expect(String(await reply)).toBe('hi');
      expect(c.node).toBe('node-1');
    },
  );

  it('stops on an auth refusal, without retrying', async () => {
    const c = rig.start({ password: 'wrong' });
    const err = await once(c, 'error');
    expect(err.name).toBe('AuthRefusedError');
    await sleep(200);
    expect(rig.auth.sessions).toBe(1);
  });

  it('retries while the auth service is unavailable', async () => {
    rig.auth.script = [{ status: 503 }, { status: 502 }];
    const c = rig.start();
    await once(c, 'open');
    expect(rig.auth.sessions).toBe(3);
  });

  it('goes back through the auth service when the node drains', async () => {
    const c = rig.start();
    await once(c, 'open');
    const closed = once(c, 'close');
    const reopened = new Promise((resolve) => c.on('open', resolve));
    await rig.node.closeClients(0);
    expect(await closed).toEqual({ code: 1012, reason: 'draining', willReconnect: true });
    await reopened;
    expect(rig.auth.sessions).toBe(2);
  });

  it('drops a socket whose server falls silent (deadAfterMs) and goes back through the auth service', async () => {
    // The rig's node pings once a minute: within 300 ms it shows no sign of life.
    const c = rig.start({ deadAfterMs: 300 });
    await once(c, 'open');
    const closed = once(c, 'close');
    const retry = once(c, 'reconnecting');
    const reopened = new Promise((resolve) => c.on('open', resolve));
    expect(await closed).toEqual({ code: 1006, reason: '', willReconnect: true });
    expect((await retry).cause).toBe('server silent');
    await reopened;
    expect(rig.auth.sessions).toBe(2);
  });

  it('keeps a socket whose server pings more often than deadAfterMs', async () => {
    await rig.node.close();
    await rig.startNode({ pingMs: 100 });
    const c = rig.start({ deadAfterMs: 300 });
    await once(c, 'open');
    let closes = 0;
    c.on('close', () => {
      closes += 1;
    });
    await sleep(1_200);
    expect({ closes, sessions: rig.auth.sessions, connected: c.connected }).toEqual({
      closes: 0,
      sessions: 1,
      connected: true,
    });
  });

  it('does not reconnect after a deliberate close', async () => {
    const c = rig.start();
    await once(c, 'open');
    const closed = once(c, 'close');
    c.close();
    expect((await closed).willReconnect).toBe(false);
    await sleep(200);
    expect(rig.auth.sessions).toBe(1);
  });
});
