import fc from 'fast-check';

/** Statuses the auth service documents for `POST /session` and its neighbours. */
export const AUTH_STATUSES = new Set([200, 400, 401, 404, 405, 413, 415, 429, 503]);
/** For bytes that are not HTTP at all: Node's parser answers 400/431 or closes (0). */
export const MALFORMED_STATUSES = new Set([0, 400, 404, 405, 413, 415, 431]);

const head = (method: string, path: string, contentType: string, length: number, extra = '') =>
  `${method} ${path} HTTP/1.1\r\nHost: auth\r\nContent-Type: ${contentType}\r\nContent-Length: ${length}\r\n${extra}Connection: close\r\n\r\n`;

const nested = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'large', maxDepth: 40 },
    fc.jsonValue(),
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('node'), { maxKeys: 3 }),
  ),
})).node;

/** Bodies: random and deeply nested JSON, near-miss credentials, broken UTF-8, truncated and huge ones. */
const bodies = (user: { username: string; password: string }) =>
  fc.oneof(
    nested.map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
    fc
      .record({ username: fc.anything(), password: fc.anything() })
      .map((v) => Buffer.from(JSON.stringify(v))),
    fc
      .string({ maxLength: 40 })
      .map((p) => Buffer.from(JSON.stringify({ username: user.username, password: p }))),
    fc.constant(Buffer.from(JSON.stringify(user))),
    fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a)),
    fc
      .uint8Array({ minLength: 1, maxLength: 64 })
      .map((a) =>
        Buffer.concat([
          Buffer.from('{"username":"'),
          Buffer.from([0xc3, 0x28, 0xff, ...a]),
          Buffer.from('"}'),
        ]),
      ),
    fc.integer({ min: 1, max: 60 }).map((n) => Buffer.from(JSON.stringify(user)).subarray(0, n)),
    fc.integer({ min: 16_000, max: 200_000 }).map((n) => Buffer.alloc(n, '[')),
  );

/** A well-framed HTTP request with a generated method, path, content type, headers and body. */
export function authRequests(user: { username: string; password: string }) {
  return fc
    .tuple(
      fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'),
      fc.constantFrom(
        '/session',
        '/session',
        '/session',
        '/',
        '/session/x',
        '/%ff',
        '/session?x=%00',
        '/metrics',
      ),
      fc.constantFrom(
        'application/json',
        'text/plain',
        'application/x-www-form-urlencoded',
        '',
        'application/json; charset=latin1',
      ),
      fc.oneof(
        fc.constant(''),
        fc.string({ maxLength: 200 }).map((v) => `X-Fuzz: ${v.replace(/[\r\n]/g, '')}\r\n`),
      ),
      bodies(user),
    )
    .map(([method, path, type, extra, body]) =>
      Buffer.concat([Buffer.from(head(method, path, type, body.length, extra)), body]),
    );
}

/** Bytes that are mostly not HTTP; and header blocks over the parser's limit. */
export const malformedRequests = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 4096 }).map((a) => Buffer.from(a)),
  fc
    .integer({ min: 17_000, max: 80_000 })
    .map((n) => Buffer.from(`POST /session HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(n)}\r\n\r\n`)),
  fc.string({ maxLength: 300 }).map((s) => Buffer.from(`POST /session HTTP/1.1\r\n${s}\r\n\r\n`)),
);
