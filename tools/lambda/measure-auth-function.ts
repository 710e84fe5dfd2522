import { parseArgs } from 'node:util';
import { hashPassword } from '../../runtime/auth/password-hash';
import { parseDecimalInt } from '../../runtime/contract/decimal';
import type { ScryptParams } from '../../runtime/contract/scrypt';
import { DEPLOYED_SCRYPT, scryptMemoryBytes } from '../../runtime/contract/scrypt';
import { startLocalAuthFunction } from './auth-function';
import type { Invocation } from './function-url-host';
import { synthAuthBundle } from './synth-auth-bundle';

const MiB = 1024 ** 2;
const mib = (bytes: number) => Math.round((bytes / MiB) * 10) / 10;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * `npm run -s measure:auth-function -- [--scrypt N,r,p]… [--logins 5] [--node-options …]`: synthesizes
 * the stack (`cdk synth -c strategy=direct`), runs its auth bundle under the Lambda's Node.js major with
 * the template's environment, one fresh execution environment per scrypt case (default: the deployed
 * parameters), and prints per case the bundle's init, the first login (cold: secrets, registry, scrypt),
 * warm logins, an unknown user, a wrong password, and the process's peak RSS, with wall and CPU times.
 * One JSON object per line on stdout; progress on stderr.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scrypt: { type: 'string', multiple: true },
      logins: { type: 'string', default: '5' },
      'node-options': { type: 'string', multiple: true },
    },
  });
  const candidates: ScryptParams[] = (
    values.scrypt ?? [`${DEPLOYED_SCRYPT.N},${DEPLOYED_SCRYPT.r},${DEPLOYED_SCRYPT.p}`]
  ).map((s) => {
    const [N, r, p] = s.split(',').map((part) => parseDecimalInt('--scrypt', part, 1, 2 ** 30));
    return { N, r, p };
  });
  const logins = parseDecimalInt('--logins', values.logins, 1, 1000);
  process.stderr.write('cdk synth -c strategy=direct …\n');
  const synth = await synthAuthBundle('direct');
  try {
    for (const params of candidates) {
      const password = 'correct horse battery staple';
      const users = JSON.stringify({ users: { alice: await hashPassword(password, params) } });
      for (const nodeOptions of values['node-options'] ?? [undefined]) {
        process.stderr.write(
          `N=${params.N} r=${params.r} p=${params.p} NODE_OPTIONS=${nodeOptions ?? '(template)'} …\n`,
        );
        const fn = await startLocalAuthFunction({
          users,
          synth,
          env: {
            SCRYPT_N: String(params.N),
            SCRYPT_R: String(params.r),
            SCRYPT_P: String(params.p),
            ...(nodeOptions === undefined ? {} : { NODE_OPTIONS: nodeOptions }),
          },
        });
        try {
          const login = (username: string, pass: string, i: number) =>
            fn.host.request({
              method: 'POST',
              path: '/session',
              body: JSON.stringify({ username, password: pass }),
              headers: { 'content-type': 'application/json' },
              sourceIp: `198.51.100.${(i % 200) + 1}`,
            });
          const first = await login('alice', password, 0);
          const warm: Invocation[] = [];
          for (let i = 1; i <= logins; i++) warm.push(await login('alice', password, i));
          const unknown = await login('nobody', password, logins + 1);
          const wrong = await login('alice', 'wrong', logins + 2);
          const last = wrong;
          process.stdout.write(
            `${JSON.stringify({
              node: fn.host.version,
              scrypt: params,
              scryptMiB: mib(scryptMemoryBytes(params)),
              nodeOptions: nodeOptions ?? synth.environment.NODE_OPTIONS ?? '',
              memorySizeMB: synth.memorySize,
              initMs: Math.round(fn.host.init.ms),
              initRssMiB: mib(fn.host.init.rssBytes),
              firstLogin: {
                status: first.result.statusCode,
                ms: Math.round(first.ms),
                cpuMs: Math.round(first.cpuMs),
              },
              warmLogin: {
                statuses: [...new Set(warm.map((w) => w.result.statusCode))],
                medianMs: Math.round(median(warm.map((w) => w.ms))),
                medianCpuMs: Math.round(median(warm.map((w) => w.cpuMs))),
              },
              unknownUser: {
                status: unknown.result.statusCode,
                ms: Math.round(unknown.ms),
                cpuMs: Math.round(unknown.cpuMs),
              },
              wrongPassword: {
                status: wrong.result.statusCode,
                ms: Math.round(wrong.ms),
                cpuMs: Math.round(wrong.cpuMs),
              },
              rssAfterMiB: mib(last.rssBytes),
              peakRssMiB: mib(last.maxRssBytes),
            })}\n`,
          );
        } finally {
          await fn.stop();
        }
      }
    }
  } finally {
    synth.remove();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
