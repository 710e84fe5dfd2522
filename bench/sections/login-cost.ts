import { lambdaLoginSeconds } from '../../cli/plan/login-cost';
import { PRICE_TABLES } from '../../cli/plan/prices';
import { targetCheck } from '../../harness/check';
import { round } from '../../harness/stats';
import { Worker } from '../../harness/worker/worker';
import { AUTH_MEMORY_MB, DEFAULTS } from '../../lib/config';
import { DEPLOYED_SCRYPT } from '../../runtime/contract/scrypt';
import type { Section, SectionContext } from '../types';
import { LOGIN_KINDS, type LoginJob, type LoginKind, type LoginSample } from '../workers/login-worker';

/** The reconnection storm the issue asks about: every client of a node that died logs in again. */
const STORM_CLIENTS = 10_000;
/** How fast a storm should be absorbed when sizing the reservation for it. */
const STORM_WINDOW_SECONDS = 60;
const PRICES = PRICE_TABLES['us-east-1']!;

/** Least CPU per call of each kind over the rounds: load from elsewhere only ever adds to it. */
function cpuPerCall(samples: LoginSample[], kind: LoginKind): number {
  return Math.min(...samples.filter((s) => s.kind === kind).map((s) => s.cpuMs / s.calls));
}

/**
 * 7. Login cost: CPU per login of the auth handler with the deployed scrypt parameters, against bare scrypt in
 * the same process (the ratio is the handler's overhead), an unknown user against a wrong password (the same
 * cost, so timing tells nothing), and what a 10,000-client reconnection storm costs on the deployed Lambda.
 */
export const loginCost: Section = {
  id: 'login-cost',
  title: 'Login cost: auth handler CPU per login, and a reconnection storm on Lambda',
  async run(ctx: SectionContext) {
    const job: LoginJob = {
      scrypt: DEPLOYED_SCRYPT,
      count: ctx.quick ? 2 : 10,
      rounds: ctx.quick ? 1 : 3,
      deadlineMs: 900_000,
    };
    const worker = new Worker<LoginJob, LoginSample[]>(ctx.build, 'login');
    let samples: LoginSample[];
    try {
      samples = await worker.run(job);
    } finally {
      await worker.stop();
    }
    const expected: Record<LoginKind, string> = {
      'bare-scrypt': '0',
      login: '200',
      'wrong-password': '401',
      'unknown-user': '401',
    };
    for (const s of samples) {
      if (Object.keys(s.statuses).join() !== expected[s.kind]) {
        throw new Error(
          `${s.kind}: answered ${JSON.stringify(s.statuses)}, expected only ${expected[s.kind]}`,
        );
      }
    }
    const cpu = Object.fromEntries(LOGIN_KINDS.map((k) => [k, cpuPerCall(samples, k)])) as Record<
      LoginKind,
      number
    >;
    const perVcpu = (ms: number) => 1000 / ms;
    const handlerOverBare = cpu.login / cpu['bare-scrypt'];
    const unknownOverWrong = cpu['unknown-user'] / cpu['wrong-password'];

    // On Lambda a login takes its CPU time over the vCPU share of the function's memory (cli/plan/login-cost.ts).
    const lambdaSeconds = lambdaLoginSeconds(cpu.login, AUTH_MEMORY_MB);
    const stormLambdaSeconds = STORM_CLIENTS * lambdaSeconds;
    const stormGbSeconds = stormLambdaSeconds * (AUTH_MEMORY_MB / 1024);
    const reserved = DEFAULTS.authReservedConcurrency;
    const storm = {
      clients: STORM_CLIENTS,
      secondsPerLogin: round(lambdaSeconds, 3),
      lambdaSeconds: round(stormLambdaSeconds, 1),
      gbSeconds: round(stormGbSeconds, 1),
      dollars: round(
        stormGbSeconds * PRICES.lambdaArmGbSecond + (STORM_CLIENTS / 1e6) * PRICES.lambdaRequestsPerMillion,
        4,
      ),
      reservedConcurrency: reserved,
      secondsAtReservation: round(stormLambdaSeconds / reserved, 1),
      concurrencyFor60s: Math.ceil(stormLambdaSeconds / STORM_WINDOW_SECONDS),
    };
    const row = (kind: LoginKind, what: string) => [
      what,
      round(cpu[kind], 1).toString(),
      round(perVcpu(cpu[kind]), 2).toString(),
      round(cpu[kind] / cpu['bare-scrypt'], 3).toString(),
    ];
    return {
      data: {
        scrypt: DEPLOYED_SCRYPT,
        authMemoryMb: AUTH_MEMORY_MB,
        cpuMsPerCall: cpu,
        handlerOverBare,
        unknownOverWrong,
        storm,
        samples,
      },
      targets: [
        targetCheck(
          'unknown user / wrong password, CPU per login (no timing oracle)',
          unknownOverWrong,
          '<=',
          1.1,
        ),
        targetCheck(
          'wrong password / unknown user, CPU per login (no timing oracle)',
          1 / unknownOverWrong,
          '<=',
          1.1,
        ),
        targetCheck('auth handler / bare scrypt, CPU per login', handlerOverBare, '<=', 1.15),
      ],
      table: [
        ['per call, N=2^17 r=8 p=1', 'CPU ms', 'per vCPU-second', '× bare scrypt'],
        row('bare-scrypt', 'bare scrypt (baseline)'),
        row('login', 'login, 200 (check + token)'),
        row('wrong-password', 'wrong password, 401'),
        row('unknown-user', 'unknown user, 401 (decoy)'),
        [
          `storm: ${STORM_CLIENTS.toLocaleString('en-US')} logins on Lambda (${AUTH_MEMORY_MB} MB)`,
          `${storm.lambdaSeconds} Lambda-s`,
          `${storm.secondsAtReservation} s at ${reserved} reserved`,
          `${storm.concurrencyFor60s} for 60 s; $${storm.dollars}`,
        ],
      ],
      notes: [
        'CPU of the measuring process over serial calls (scrypt runs on libuv’s pool, counted too); the least of the rounds.',
        `On Lambda a login lasts its CPU time over the vCPU share of ${AUTH_MEMORY_MB} MB (1,769 MB = one vCPU); this machine's CPU is not Graviton.`,
        `Storm: Lambda-seconds = clients × seconds per login; at the default reserved concurrency (${reserved}) it is served in Lambda-seconds / ${reserved} (cold starts not included); price at $${PRICES.lambdaArmGbSecond}/GB-s + $${PRICES.lambdaRequestsPerMillion}/M requests (${PRICES.region}).`,
      ],
    };
  },
};
