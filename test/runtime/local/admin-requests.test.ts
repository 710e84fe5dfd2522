import { connect } from 'node:net';
import type { Strategy } from '../../../runtime/contract/strategies';
import { type AdminServer, startAdminServer } from '../../../runtime/local/admin-server';
import { OneOperationAtATime } from '../../../runtime/local/one-operation-at-a-time';
import type { Switchable } from '../../../runtime/local/switch-run';

/** A cluster on direct whose switch runs until `finishSwitch` is called, serialised as LocalCluster's is. */
class SlowCluster implements Switchable {
  currentPath: { strategy: Strategy; retiring?: Strategy } = { strategy: 'direct' };
  readonly switches: Strategy[] = [];
  finishSwitch = () => {};
  private readonly operations = new OneOperationAtATime();
  pathOf = () => undefined;
  switchTo(to: Strategy): Promise<void> {
    return this.operations.run(`switch to ${to}`, async () => {
      this.switches.push(to);
      await new Promise<void>((resolve) => {
        this.finishSwitch = resolve;
      });
      this.currentPath = { strategy: to, retiring: this.currentPath.strategy };
    });
  }
  retire(): Promise<Strategy | undefined> {
    return this.operations.run('retire', async () => undefined);
  }
}

let cluster: SlowCluster;
let admin: AdminServer;
beforeEach(async () => {
  cluster = new SlowCluster();
  admin = await startAdminServer(cluster);
});
afterEach(async () => {
  cluster.finishSwitch();
  await admin.close();
});

const JSON_TYPE = { 'content-type': 'application/json' };
const call = async (path: string, init: RequestInit = {}, authorization = `Bearer ${admin.token}`) => {
  const res = await fetch(`${admin.url}${path}`, { ...init, headers: { authorization, ...init.headers } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const post = (path: string, body: string | undefined, headers: Record<string, string> = JSON_TYPE) =>
  call(path, { method: 'POST', headers, ...(body === undefined ? {} : { body }) });

describe('POST /switch checks its body: 400 naming the fault, nothing switched', () => {
  const usage = 'POST /switch wants {"to":"nlb|haproxy|direct"}';
  it.each([
    ['{"to":"haproxy","now":true}', 'body: Unrecognized key: "now"'],
    ['{"to":"haproxy","force":1,"x":2}', 'body: Unrecognized keys: "force", "x"'],
    [
      '{"too":"haproxy"}',
      'body.to: Invalid option: expected one of "nlb"|"haproxy"|"direct"; body: Unrecognized key: "too"',
    ],
    ['{"to":"udp"}', 'body.to: Invalid option: expected one of "nlb"|"haproxy"|"direct"'],
    ['{"to":1}', 'body.to: Invalid option: expected one of "nlb"|"haproxy"|"direct"'],
    ['["haproxy"]', 'body: Invalid input: expected object, received array'],
    ['"haproxy"', 'body: Invalid input: expected object, received string'],
  ])('%s', async (body, fault) => {
    expect(await post('/switch', body)).toEqual({ status: 400, body: { error: `${fault}; ${usage}` } });
    expect(cluster.switches).toEqual([]);
  });

  it('malformed JSON', async () => {
    const { status, body } = await post('/switch', '{"to":"haproxy"');
    expect(status).toBe(400);
    expect(body.error).toMatch(/^body is not JSON \(.+\); POST \/switch wants/);
  });

  it.each([undefined, '', '  \n'])('an empty body (%p)', async (body) => {
    expect(await post('/switch', body)).toEqual({ status: 400, body: { error: `empty body; ${usage}` } });
  });

  it.each([
    [{ 'content-type': 'text/plain' }, '"text/plain"'],
    [{ 'content-type': 'application/x-www-form-urlencoded' }, '"application/x-www-form-urlencoded"'],
    [{}, 'none'],
  ])('a body with the content-type %p', async (headers, named) => {
    // fetch sends text/plain for a string body unless told; the empty case is sent as bytes to carry no type.
    const body = Object.keys(headers).length
      ? '{"to":"haproxy"}'
      : new Uint8Array(Buffer.from('{"to":"haproxy"}'));
    const res = await fetch(`${admin.url}/switch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}`, ...headers },
      body,
    });
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 400,
      body: {
        error: `content-type must be application/json, not ${named} (curl: -H 'content-type: application/json'); ${usage}`,
      },
    });
    expect(cluster.switches).toEqual([]);
  });

  it('accepts application/json with parameters, in any case', async () => {
    const switching = post('/switch', '{"to":"haproxy"}', {
      'content-type': 'Application/JSON; charset=utf-8',
    });
    await waitFor(() => cluster.switches.length === 1);
    cluster.finishSwitch();
    expect(await switching).toEqual({ status: 200, body: { from: 'direct', to: 'haproxy' } });
  });
});

describe('the bearer token', () => {
  it.each(['Bearer', 'bearer', 'BEARER', 'bEaReR'])(
    'the scheme %s is accepted (RFC 9110 §11.1)',
    async (s) => {
      expect(await call('/path', {}, `${s} ${admin.token}`)).toEqual({
        status: 200,
        body: { strategy: 'direct' },
      });
      expect(await call('/path', {}, `${s}   ${admin.token}`)).toMatchObject({ status: 200 });
    },
  );

  it.each([
    ['a wrong token', () => 'Bearer wrong'],
    ['the token with a character more', () => `Bearer ${admin.token}x`],
    ['another scheme', () => `Basic ${admin.token}`],
    ['no scheme', () => admin.token],
    ['two tokens', () => `Bearer ${admin.token} ${admin.token}`],
    ['no header', () => ''],
  ])('%s: 401', async (_, header) => {
    const res = await fetch(`${admin.url}/path`, header() ? { headers: { authorization: header() } } : {});
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 401,
      body: { error: 'missing or wrong bearer token' },
    });
  });
});

describe('routes', () => {
  it('an unknown path is 404, a known one with the wrong method 405 with allow', async () => {
    expect((await call('/nope')).status).toBe(404);
    const res = await fetch(`${admin.url}/switch`, { headers: { authorization: `Bearer ${admin.token}` } });
    expect({ status: res.status, allow: res.headers.get('allow') }).toEqual({ status: 405, allow: 'POST' });
    expect((await post('/path', undefined)).status).toBe(405);
  });
});

describe('a switch runs alone', () => {
  it('a retire or a second switch while a switch runs: 409 naming what runs; after it, both are taken', async () => {
    const first = post('/switch', '{"to":"haproxy"}');
    await waitFor(() => cluster.switches.length === 1);
    const busy = {
      error: 'switch to haproxy is running: try again once it has ended',
      running: 'switch to haproxy',
    };
    expect(await post('/retire', undefined)).toEqual({ status: 409, body: busy });
    expect(await post('/switch', '{"to":"nlb"}')).toEqual({ status: 409, body: busy });
    cluster.finishSwitch();
    expect(await first).toEqual({ status: 200, body: { from: 'direct', to: 'haproxy' } });
    expect(await post('/retire', undefined)).toEqual({ status: 200, body: { retired: null } });
    expect(cluster.switches).toEqual(['haproxy']);
  });
});

describe('a body over 1024 bytes: 413 without reading it', () => {
  it('a content-length over the limit is answered before the body is sent', async () => {
    const answer = await rawRequest(
      `POST /switch HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${admin.token}\r\n` +
        'content-type: application/json\r\ncontent-length: 100000000\r\n\r\n',
      0,
    );
    expect(answer.head).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer.head).toMatch(/connection: close/i);
    expect(answer.closedByServer).toBe(true);
  });

  it('a body streamed without end is answered 413 and the connection closed while the client still sends', async () => {
    // Chunked, and 64 MiB at most: a server that reads to the end answers only once the client stops.
    const answer = await rawRequest(
      `POST /switch HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${admin.token}\r\n` +
        'content-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n',
      64 * 1024 * 1024,
    );
    expect(answer.head).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer.closedByServer).toBe(true);
    expect(answer.unsent).toBeGreaterThan(0);
    expect(cluster.switches).toEqual([]);
  });
});

/**
 * Send `head`, then chunks of 64 KiB up to `bodyBytes` (stopping at the first byte of an answer), and wait
 * (at most 30 s) for the server to close: the answer's head, whether the server closed, the body bytes not sent.
 */
function rawRequest(head: string, bodyBytes: number) {
  return new Promise<{ head: string; closedByServer: boolean; unsent: number }>((resolve, reject) => {
    const socket = connect(Number(new URL(admin.url).port), '127.0.0.1');
    const chunk = Buffer.concat([Buffer.from('10000\r\n'), Buffer.alloc(0x10000, 0x20), Buffer.from('\r\n')]);
    let unsent = bodyBytes;
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within 30 s; received ${JSON.stringify(received.slice(0, 200))}`));
    }, 30_000);
    const send = () => {
      while (unsent > 0 && received === '') {
        unsent -= 0x10000;
        if (!socket.write(chunk)) return void socket.once('drain', send);
      }
    };
    socket.on('data', (d) => {
      received += d.toString('latin1');
    });
    socket.on('error', () => {}); // a reset after the answer: the close below still reports it
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({
        head: received.split('\r\n\r\n')[0],
        closedByServer: received !== '',
        unsent: Math.max(unsent, 0),
      });
    });
    socket.write(head, send);
  });
}

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!check()) throw new Error('condition not met within 5 s');
}
