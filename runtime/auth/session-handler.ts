import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Strategy } from '../contract/strategies';
import { issueToken, type TokenKeyRing } from '../token';
import { type CredentialChecker, normalizeUsername } from './credentials';
import { type AuthRequest, type AuthResponse, json, MAX_BODY_BYTES } from './http-types';
import { bearerSubject } from './identity/bearer-login';
import type { OidcVerifier } from './identity/oidc-verifier';
import { isJsonContentType } from './json-content-type';
import type { LoginLimits, LoginRefusal } from './limits/login-limits';
import type { InstancePicker } from './node-choice/instance-picker';
import type { RegistryView } from './node-choice/registry-view';

/** A balancer's client URL and the token audience its nodes accept. */
export interface BalancerPath {
  url: string;
  name: string;
}

export interface SessionHandlerDeps {
  /** The path handed out. */
  strategy: Strategy;
  credentials: CredentialChecker;
  /** ID tokens of the configured OIDC issuer, as `Authorization: Bearer`; absent: none accepted. */
  oidc?: OidcVerifier;
  /** What one client and one username may spend on password checks here. */
  limits: LoginLimits;
  keys: () => TokenKeyRing;
  tokenTtlSeconds: number;
  /** `direct`: where nodes come from and how one is chosen. */
  view: RegistryView;
  /** This instance's node choice and its memory of recent picks. */
  picker: InstancePicker;
  /** `nlb`/`haproxy`: the balancer's URL and token audience. */
  balancer?: BalancerPath;
  /**
   * During a switch, the path clients are moving off. Under `direct`, its balancer is handed out while no node
   * reachable on the public path has headroom (the nodes are still being moved to public subnets).
   */
  retiring?: { strategy: Strategy; balancer?: BalancerPath };
  log: Logger;
}

const sessionBody = z.object({
  username: z.string().min(1).max(128),
  password: z.string().min(1).max(1024),
});

/** `POST /session`: check credentials, pick the address, sign a token. Knows nothing of its transport. */
export function createSessionHandler(deps: SessionHandlerDeps): (req: AuthRequest) => Promise<AuthResponse> {
  const { log } = deps;
  return async (req) => {
    if (req.path === '/healthz' && req.method === 'GET') return json(200, { ok: true });
    if (req.path !== '/session') return json(404, { error: 'not found' });
    if (req.method !== 'POST') return json(405, { error: 'method not allowed' }, { allow: 'POST' });
    if (req.bodyTooLarge || Buffer.byteLength(req.body ?? '') > MAX_BODY_BYTES) {
      return json(413, { error: `body over ${MAX_BODY_BYTES} bytes` });
    }
    // A body login, or any body at all, must say it is JSON; a bearer login may come without a body.
    const bodyless = req.headers?.authorization !== undefined && (req.body ?? '') === '';
    if (!bodyless && !isJsonContentType(req.headers?.['content-type'])) {
      return json(415, {
        error: 'content-type must be application/json (charset utf-8 at most)',
      });
    }
    const identity = await identify(deps, req);
    if ('status' in identity) return identity;
    const { subject } = identity;
    const target = await pickTarget(deps, req.requestId);
    if ('status' in target) return target;
    const { token, expiresAt } = await issueToken(deps.keys(), {
      subject,
      audience: target.audience,
      strategy: target.strategy,
      ttlSeconds: deps.tokenTtlSeconds,
    });
    log.info(
      {
        requestId: req.requestId,
        user: subject,
        node: target.node,
        strategy: target.strategy,
        status: 200,
        registryItemsRead: deps.view.itemsRead,
      },
      'session issued',
    );
    return json(200, {
      url: target.url,
      token,
      expiresAt: new Date(expiresAt).toISOString(),
      ...(target.node ? { node: target.node } : {}),
    });
  };
}

/**
 * Who is logging in: the subject of an `Authorization: Bearer` ID token when the header is there, else the
 * username of a `{ username, password }` body. Both pay the per-source bucket first.
 */
async function identify(
  deps: SessionHandlerDeps,
  req: AuthRequest,
): Promise<{ subject: string } | AuthResponse> {
  const { log } = deps;
  const authorization = req.headers?.authorization;
  if (authorization !== undefined) {
    const context = { requestId: req.requestId, sourceIp: req.sourceIp };
    const refused = deps.limits.admitSource(req.sourceIp);
    if (refused) return refuse(log, context, refused);
    return bearerSubject(authorization, deps.oidc, log, context);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(req.body ?? '');
  } catch {
    return json(400, { error: 'body is not valid JSON' });
  }
  const parsed = sessionBody.safeParse(raw);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.') || 'body');
    return json(400, { error: `invalid or missing: ${[...new Set(fields)].join(', ')}` });
  }
  const { password } = parsed.data;
  // One user, one budget, however the name's accents were typed.
  const username = normalizeUsername(parsed.data.username);
  // A refused username is often a password typed into the wrong field: log a fingerprint, never the text.
  const who = { requestId: req.requestId, userHash: fingerprint(username), sourceIp: req.sourceIp };
  const sourceRefused = deps.limits.admitSource(req.sourceIp);
  if (sourceRefused) return refuse(log, who, sourceRefused);
  const checked = await deps.limits.checkPassword(username, () => deps.credentials.check(username, password));
  if ('refused' in checked) return refuse(log, who, checked.refused);
  if (!checked.ok) {
    log.info({ ...who, status: 401 }, 'login refused');
    return json(401, { error: 'bad credentials' });
  }
  return { subject: username };
}

const REFUSAL_TEXT: Record<LoginRefusal['reason'], string> = {
  'source-rate': 'too many login attempts from this address',
  'user-rate': 'too many failed logins for this username',
  busy: 'too many logins in progress',
};

function refuse(log: Logger, who: object, refusal: LoginRefusal): AuthResponse {
  log.warn({ ...who, status: refusal.status, reason: refusal.reason }, 'login limited');
  return json(
    refusal.status,
    { error: REFUSAL_TEXT[refusal.reason] },
    { 'retry-after': String(refusal.retryAfterSeconds) },
  );
}

/** A short, non-reversible tag of a value, enough to see the same refused name again in the logs. */
export function fingerprint(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 12);
}

type Target = { url: string; audience: string; strategy: Strategy; node?: string };

async function pickTarget(deps: SessionHandlerDeps, requestId: string): Promise<Target | AuthResponse> {
  if (deps.strategy !== 'direct') {
    return { url: deps.balancer!.url, audience: deps.balancer!.name, strategy: deps.strategy };
  }
  let nodes: Awaited<ReturnType<RegistryView['nodes']>>;
  try {
    nodes = await deps.view.nodes();
  } catch (err) {
    deps.log.error({ requestId, err: (err as Error).message }, 'registry unavailable');
    return json(503, { error: 'registry unavailable' }, { 'retry-after': '2' });
  }
  // A private node (behind a balancer) is in the registry too; only public ones can be handed out.
  const reachable = nodes.filter((n) => n.publicEndpoint);
  const chosen = deps.picker.pick(reachable);
  if (chosen) {
    return { url: chosen.publicEndpoint!, audience: chosen.nodeId, node: chosen.nodeId, strategy: 'direct' };
  }
  // Only while the nodes are still private (a switch to direct replaces them one at a time): an empty view or
  // full public nodes get the 503 below, as outside a switch.
  const fallback = reachable.length === 0 && nodes.length > 0 ? deps.retiring?.balancer : undefined;
  if (fallback) {
    deps.log.info(
      { requestId, nodes: nodes.length, public: reachable.length, retiring: deps.retiring!.strategy },
      'no node is public yet: handing out the retiring path',
    );
    return { url: fallback.url, audience: fallback.name, strategy: deps.retiring!.strategy };
  }
  deps.log.warn({ requestId, nodes: nodes.length, public: reachable.length }, 'no node has headroom');
  return json(503, { error: 'no node has headroom' }, { 'retry-after': '2' });
}
