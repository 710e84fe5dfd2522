import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';

/** Largest request body the admin endpoint reads, in bytes; a longer one is answered 413 unread. */
export const MAX_BODY_BYTES = 1024;

/** A request the admin endpoint refuses: the HTTP status and the message for `{ "error": … }`. */
export class AdminRequestError extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
    this.name = 'AdminRequestError';
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/**
 * Whether `header` (an `Authorization` value) is `Bearer <token>`: the scheme in any case (RFC 9110 §11.1,
 * auth-scheme is case-insensitive), one or more spaces, then the token compared in constant time (both sides
 * hashed first, so neither the content nor the length of the expected token shows in the timing).
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) +(\S+) *$/.exec(header ?? '');
  const [, scheme, given] = match ?? [];
  if (scheme?.toLowerCase() !== 'bearer' || given === undefined) return false;
  return timingSafeEqual(sha256(given), sha256(token));
}

/**
 * The request's body checked against `schema`: an empty body is `{}` when `emptyAs` is given, else refused;
 * a non-empty one must be `content-type: application/json` and JSON that `schema` accepts (a strict object
 * schema names unknown keys).
 * @throws AdminRequestError 413 over MAX_BODY_BYTES (the rest is left unread: see {@link readBoundedBody}),
 *   400 for a wrong content-type, an empty body where one is required, malformed JSON or a shape `schema` refuses
 */
export async function readJsonBody<T>(
  req: IncomingMessage,
  schema: z.ZodType<T>,
  usage: string,
  emptyAs?: unknown,
): Promise<T> {
  const body = await readBoundedBody(req, MAX_BODY_BYTES);
  if (body === undefined) throw new AdminRequestError(413, `body over ${MAX_BODY_BYTES} bytes; ${usage}`);
  let value: unknown = emptyAs;
  if (body.trim() === '') {
    if (emptyAs === undefined) throw new AdminRequestError(400, `empty body; ${usage}`);
  } else {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') {
      throw new AdminRequestError(
        400,
        `content-type must be application/json, not ${type === '' ? 'none' : JSON.stringify(type)} ` +
          `(curl: -H 'content-type: application/json'); ${usage}`,
      );
    }
    try {
      value = JSON.parse(body);
    } catch (err) {
      throw new AdminRequestError(400, `body is not JSON (${(err as Error).message}); ${usage}`);
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${['body', ...i.path].join('.')}: ${i.message}`);
    throw new AdminRequestError(400, `${problems.join('; ')}; ${usage}`);
  }
  return parsed.data;
}

/**
 * The body as UTF-8 text, or undefined as soon as it is known to be over `limit` bytes: a `content-length` over it
 * is refused before a byte is read, and a body streamed past it stops being read there (the request is paused;
 * the caller answers 413 with `connection: close`, so the socket is closed once that answer is sent).
 */
export function readBoundedBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', reject);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      stop();
      req.pause();
      resolve(undefined);
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', reject);
  });
}
