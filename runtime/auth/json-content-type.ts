/**
 * `application/json`, with at most a `charset=utf-8` parameter (any case, quoted or not): the only body
 * `POST /session` reads. A browser sends `text/plain`, `application/x-www-form-urlencoded` and
 * `multipart/form-data` to another origin without a CORS preflight; refusing them keeps every cross-origin
 * login behind the preflight that the endpoint's allowed origins answer (runtime/contract/cors.ts).
 */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const [type, ...params] = header.split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/json') return false;
  return params.every((p) => p === '' || /^charset\s*=\s*(utf-8|"utf-8")$/.test(p));
}
