import { z } from 'zod';
import { oidcUrl } from '../auth/identity/oidc-settings';
import { decimalInt } from '../contract/decimal';
import { resolveNodeApp } from '../contract/node-app-entry';
import { STRATEGIES } from '../contract/strategies';
import { upstreamUrlProblem } from '../contract/upstream';
import { HelpRequested, parseSingleValueArgs } from '../shared/single-value-args';

export { HelpRequested };

const argsSchema = z.object({
  strategy: z.enum(STRATEGIES),
  nodes: decimalInt(1, 32),
  clients: decimalInt(0, 100_000),
  once: z.boolean(),
  json: z.boolean(),
  'max-connections': decimalInt(1, 19_000),
  'auth-instances': decimalInt(1, 1000),
  'source-ips': decimalInt(1, 200),
  users: z.string().min(1).optional(),
  'oidc-issuer': z.union([z.literal('local'), oidcUrl()]).optional(),
  'oidc-audience': z.string().min(1).optional(),
  'oidc-jwks-url': oidcUrl().optional(),
  'switch-to': z.enum(STRATEGIES).optional(),
  tls: z.boolean(),
  app: z.string().min(1).optional(),
  upstream: z
    .string()
    .optional()
    .superRefine((url, ctx) => {
      const problem = url === undefined ? undefined : upstreamUrlProblem(url, false);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
});

export type LocalArgs = z.infer<typeof argsSchema>;

export const USAGE = `usage: npm start -- [--strategy direct|haproxy|nlb] [--nodes 3] [--clients 1000] [--max-connections 15000]
                     [--auth-instances 1] [--source-ips 2] [--users FILE] [--once] [--json]
                     [--oidc-issuer local|URL [--oidc-audience AUD] [--oidc-jwks-url URL]]
                     [--switch-to direct|haproxy|nlb] [--tls] [--app PATH | --upstream URL]
  --strategy         how clients reach nodes: direct; haproxy (Debian's haproxy in front of the nodes);
                     nlb (a kernel L4 balancer in a network namespace as the NLB; needs root, else HAProxy in tcp mode)
  --nodes            WS node processes on 127.0.0.1 (1-32)
  --clients          demo clients to connect through the auth service (0-100000)
  --max-connections  per-node connection cap (a process holds < 20,000 files here)
  --source-ips       haproxy: loopback source addresses 127.0.1.1… that HAProxy connects to nodes from (1-200)
  --auth-instances   independent auth handler instances, as Lambda runs during a burst (1-1000)
  --users            a users file whose users may log in besides the demo user (npx wslb users add NAME --file FILE)
  --oidc-issuer      also accept ID tokens of this OpenID issuer as Authorization: Bearer; "local" starts a
                     stand-in issuer on 127.0.0.1 and prints a token to try
  --oidc-audience    the accepted aud (required with an issuer URL; the local issuer's is "wslb-local")
  --oidc-jwks-url    the issuer's JWKS when discovery (<issuer>/.well-known/openid-configuration) does not give it
  --switch-to        once every client is connected, switch to this strategy live and wait until every client
                     is on it (summary field "switch"); with --once, exit 0 only if none was lost or reset
  --tls              every path on wss with a CA made for this run, which the demo clients trust: the nodes
                     (direct), HAProxy (haproxy), HAProxy in tcp mode terminating TLS as the NLB's TLS listener (nlb)
  --app              the nodes host this app (a module whose default export is defineNodeApp(…), or a folder with
                     app.ts) instead of echo: docs/node-app.md
  --upstream         sidecar mode: nodes pipe each client to this loopback WebSocket server (ws://127.0.0.1:9000)
                     with the identity in x-wslb-* headers
  --once             run the demo, print the summary, stop; exit 0 only if every client connected
  --json             print the summary as one JSON object on stdout
  --help, -h         print this on stdout and exit 0 (a bad flag: its error and this on stderr, exit 2)`;

/** The flags of `npm start`, as `node:util` parseArgs options; every `string` one is given at most once. */
export const LOCAL_FLAGS = {
  strategy: { type: 'string', default: 'direct' },
  nodes: { type: 'string', default: '3' },
  clients: { type: 'string', default: '1000' },
  'max-connections': { type: 'string', default: '15000' },
  'auth-instances': { type: 'string', default: '1' },
  'source-ips': { type: 'string', default: '2' },
  users: { type: 'string' },
  'oidc-issuer': { type: 'string' },
  'oidc-audience': { type: 'string' },
  'oidc-jwks-url': { type: 'string' },
  'switch-to': { type: 'string' },
  app: { type: 'string' },
  upstream: { type: 'string' },
  once: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  tls: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/**
 * Parse the local cluster's command line.
 * @throws HelpRequested for `--help`/`-h`
 * @throws Error naming each bad flag and what it accepts, followed by {@link USAGE}
 */
export function parseLocalArgs(argv: string[]): LocalArgs {
  const { values, repeated } = parseSingleValueArgs(argv, LOCAL_FLAGS);
  if (values.help) throw new HelpRequested(USAGE);
  const parsed = argsSchema.safeParse(values);
  const problems = [
    ...repeated,
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`)),
  ];
  const issuer = values['oidc-issuer'];
  if (issuer && issuer !== 'local' && !values['oidc-audience']) {
    problems.push('--oidc-audience: required with an --oidc-issuer URL');
  }
  if (issuer === 'local' && (values['oidc-audience'] || values['oidc-jwks-url'])) {
    problems.push('--oidc-audience, --oidc-jwks-url: not with the local issuer (its audience is wslb-local)');
  }
  if (!issuer && (values['oidc-audience'] || values['oidc-jwks-url'])) {
    problems.push('--oidc-audience, --oidc-jwks-url: only with --oidc-issuer');
  }
  if (values['switch-to'] !== undefined && values['switch-to'] === values.strategy) {
    problems.push(`--switch-to: must differ from --strategy (${values.strategy})`);
  }
  if (values['switch-to'] !== undefined && parsed.success && parsed.data.clients === 0) {
    problems.push('--switch-to, --clients: a switch needs clients to move (--clients 0 would prove nothing)');
  }
  const switchTo = values['switch-to'];
  if (values.tls && switchTo && (switchTo === 'direct' || values.strategy === 'direct')) {
    problems.push('--tls: not with a --switch-to between direct and a balancer (the nodes would change)');
  }
  if (values.app && values.upstream) problems.push('--app, --upstream: one or the other');
  if (typeof values.app === 'string') {
    try {
      resolveNodeApp(values.app);
    } catch (err) {
      problems.push(`--app: ${(err as Error).message}`);
    }
  }
  if (!parsed.success || problems.length > 0) throw new Error(`${problems.join('\n')}\n${USAGE}`);
  return parsed.data;
}
