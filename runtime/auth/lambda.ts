import { createLogger } from '../shared/log';
import { type AuthService, createAuthService } from './auth-service';
import { MAX_BODY_BYTES } from './http-types';
import { authSettingsFromEnv } from './settings';

/** The parts of a Function URL / HTTP API (payload v2) event the handler reads. */
export interface HttpApiV2Event {
  rawPath?: string;
  body?: string;
  isBase64Encoded?: boolean;
  /** Header names in lower case; repeated headers joined with commas. */
  headers?: Record<string, string | undefined>;
  requestContext?: { requestId?: string; http?: { method?: string; path?: string; sourceIp?: string } };
}

export interface HttpApiV2Result {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const log = createLogger('wslb-auth');
// Built once per execution environment and reused across invocations.
let service: Promise<AuthService> | undefined;

export async function handler(event: HttpApiV2Event): Promise<HttpApiV2Result> {
  service ??= createAuthService(authSettingsFromEnv(), log).catch((err: Error) => {
    service = undefined;
    throw err;
  });
  const auth = await service;
  const raw = event.body ?? '';
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  const out = await auth.handle({
    method: event.requestContext?.http?.method ?? 'GET',
    path: event.rawPath ?? event.requestContext?.http?.path ?? '/',
    body,
    bodyTooLarge: Buffer.byteLength(body) > MAX_BODY_BYTES,
    requestId: event.requestContext?.requestId ?? 'unknown',
    sourceIp: event.requestContext?.http?.sourceIp,
    headers: event.headers ?? {},
  });
  return { statusCode: out.status, headers: out.headers, body: out.body };
}
