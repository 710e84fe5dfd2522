import { parseArgs } from 'node:util';
import { z } from 'zod';

const argsSchema = z.object({
  strategy: z.enum(['direct', 'haproxy', 'nlb']),
  nodes: z.coerce.number().int().min(1).max(32),
  clients: z.coerce.number().int().min(0).max(100_000),
  once: z.boolean(),
  json: z.boolean(),
  'max-connections': z.coerce.number().int().min(1).max(19_000),
  'auth-instances': z.coerce.number().int().min(1).max(1000),
  'source-ips': z.coerce.number().int().min(1).max(200),
  users: z.string().min(1).optional(),
});

export type LocalArgs = z.infer<typeof argsSchema>;

export const USAGE = `usage: npm start -- [--strategy direct|haproxy|nlb] [--nodes 3] [--clients 1000] [--max-connections 15000]
                     [--auth-instances 1] [--source-ips 2] [--users FILE] [--once] [--json]
  --strategy         how clients reach nodes: direct; haproxy (Debian's haproxy in front of the nodes);
                     nlb (a kernel L4 balancer in a network namespace as the NLB; needs root, else HAProxy in tcp mode)
  --nodes            WS node processes on 127.0.0.1 (1-32)
  --clients          demo clients to connect through the auth service (0-100000)
  --max-connections  per-node connection cap (a process holds < 20,000 files here)
  --source-ips       haproxy: loopback source addresses 127.0.1.1… that HAProxy connects to nodes from (1-200)
  --auth-instances   independent auth handler instances, as Lambda runs during a burst (1-1000)
  --users            a users file whose users may log in besides the demo user (npx wslb users add NAME --file FILE)
  --once             run the demo, print the summary, stop; exit 0 only if every client connected
  --json             print the summary as one JSON object on stdout`;

/** Parse the local cluster's command line; a bad flag throws with the flag's name and what it accepts. */
export function parseLocalArgs(argv: string[]): LocalArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      strategy: { type: 'string', default: 'direct' },
      nodes: { type: 'string', default: '3' },
      clients: { type: 'string', default: '1000' },
      'max-connections': { type: 'string', default: '15000' },
      'auth-instances': { type: 'string', default: '1' },
      'source-ips': { type: 'string', default: '2' },
      users: { type: 'string' },
      once: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new Error(USAGE);
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`);
    throw new Error(`${problems.join('\n')}\n${USAGE}`);
  }
  return parsed.data;
}
