import { scrypt } from 'node:crypto';
import { DEPLOYED_SCRYPT, type ScryptParams, scryptMemoryBytes } from '../../runtime/contract/scrypt';

/** CPU time of one login, and where the figure came from. */
export interface LoginCpu {
  /** CPU milliseconds of one login on one full vCPU (the scrypt check dominates). */
  cpuMs: number;
  source: string;
}

/** Lambda gives a function one vCPU's worth of CPU at this much memory, and a share in proportion below it. */
export const LAMBDA_MB_PER_VCPU = 1769;

/**
 * How long one login takes on Lambda with `memoryMb`: its CPU time over the CPU share that memory buys (the
 * scrypt check runs on one thread, so memory beyond one vCPU does not shorten it).
 */
export function lambdaLoginSeconds(cpuMs: number, memoryMb: number): number {
  return cpuMs / 1000 / Math.min(1, memoryMb / LAMBDA_MB_PER_VCPU);
}

const cpuOfOne = (params: ScryptParams) =>
  new Promise<number>((resolve, reject) => {
    const start = process.cpuUsage();
    scrypt(
      'wslb plan',
      'calibration-salt',
      32,
      { ...params, maxmem: 2 * scryptMemoryBytes(params) },
      (err) => {
        if (err) return reject(err);
        const used = process.cpuUsage(start);
        resolve((used.user + used.system) / 1000);
      },
    );
  });

/**
 * Measure the CPU of the auth's password check here: `runs` scrypt derivations with the deployed cost, the
 * least CPU of them (other load on the machine only ever adds). Takes about a second of CPU per run at
 * N=2^17. This machine's CPU is not Lambda's Graviton: pass a measured figure (--login-cpu-ms) when you have one.
 */
export async function measureLoginCpu(params: ScryptParams = DEPLOYED_SCRYPT, runs = 2): Promise<LoginCpu> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) samples.push(await cpuOfOne(params));
  return {
    cpuMs: Math.min(...samples),
    source: `measured here: least CPU of ${runs} scrypt checks (N=2^${Math.log2(params.N)}, r=${params.r}, p=${params.p}) on ${process.arch}`,
  };
}
