import { randomBytes, scrypt } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { BoundedJob } from '../../harness/worker/protocol';
import { serveWorker } from '../../harness/worker/serve';
import { createAuthService } from '../../runtime/auth/auth-service';
import { hashPassword } from '../../runtime/auth/password-hash';
import { authSettingsSchema } from '../../runtime/auth/settings';
import { type ScryptParams, scryptMemoryBytes } from '../../runtime/contract/scrypt';

/** What one measured call does: bare scrypt, or `POST /session` through the auth handler. */
export const LOGIN_KINDS = ['bare-scrypt', 'login', 'wrong-password', 'unknown-user'] as const;
export type LoginKind = (typeof LOGIN_KINDS)[number];

export interface LoginJob extends BoundedJob {
  scrypt: ScryptParams;
  /** Calls per kind per round, one at a time. */
  count: number;
  /** Rounds over all kinds in turn, so load that comes and goes falls on every kind alike. */
  rounds: number;
}

export interface LoginSample {
  kind: LoginKind;
  round: number;
  calls: number;
  statuses: Record<string, number>;
  /** CPU of this process (all threads: scrypt runs on libuv's pool) over the calls, in ms. */
  cpuMs: number;
  wallMs: number;
}

/** Measures the CPU a login costs in the auth handler against bare scrypt with the same parameters. */
serveWorker<LoginJob, LoginSample[]>({
  async run(job, progress) {
    const dir = mkdtempSync(join(tmpdir(), 'wslb-login-bench-'));
    try {
      const password = randomBytes(12).toString('base64url');
      writeFileSync(
        join(dir, 'token.json'),
        JSON.stringify({ kid: 'b1', secret: randomBytes(32).toString('base64url') }),
      );
      writeFileSync(
        join(dir, 'users.json'),
        JSON.stringify({ users: { alice: await hashPassword(password, job.scrypt) } }),
      );
      const auth = await createAuthService(
        authSettingsSchema.parse({
          // A balancer strategy: no registry read, so the figure is the handler's own work.
          STRATEGY: 'nlb',
          PUBLIC_URL: 'wss://ws.example.test',
          REGISTRY_TABLE: 'unused',
          TOKEN_SECRET_FILE: join(dir, 'token.json'),
          USERS_FILE: join(dir, 'users.json'),
          SCRYPT_N: String(job.scrypt.N),
          SCRYPT_R: String(job.scrypt.r),
          SCRYPT_P: String(job.scrypt.p),
          LOGIN_IP_BURST: '1000000',
          LOGIN_USER_BURST: '1000000',
        }),
        pino({ level: 'silent' }),
      );
      const call = (kind: LoginKind): Promise<number> => {
        if (kind === 'bare-scrypt') {
          return new Promise((resolve, reject) =>
            scrypt(
              password,
              randomBytes(16),
              32,
              { ...job.scrypt, maxmem: 2 * scryptMemoryBytes(job.scrypt) },
              (err) => (err ? reject(err) : resolve(0)),
            ),
          );
        }
        const body = {
          login: { username: 'alice', password },
          'wrong-password': { username: 'alice', password: `${password}x` },
          'unknown-user': { username: `nobody-${randomBytes(4).toString('hex')}`, password },
        }[kind];
        return auth
          .handle({
            method: 'POST',
            path: '/session',
            body: JSON.stringify(body),
            headers: { 'content-type': 'application/json' },
            requestId: 'b',
            sourceIp: '127.0.0.1',
          })
          .then((res) => res.status);
      };
      const samples: LoginSample[] = [];
      let done = 0;
      for (let round = 0; round < job.rounds; round++) {
        for (const kind of LOGIN_KINDS) {
          const statuses: Record<string, number> = {};
          const cpu0 = process.cpuUsage();
          const t0 = performance.now();
          for (let i = 0; i < job.count; i++) {
            const status = String(await call(kind));
            statuses[status] = (statuses[status] ?? 0) + 1;
            progress(++done);
          }
          const cpu = process.cpuUsage(cpu0);
          samples.push({
            kind,
            round,
            calls: job.count,
            statuses,
            cpuMs: (cpu.user + cpu.system) / 1000,
            wallMs: performance.now() - t0,
          });
        }
      }
      auth.stop();
      return samples;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
});
