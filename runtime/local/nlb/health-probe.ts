import { request } from 'node:http';
import type { Endpoint } from './settings';

export interface ProbeResult {
  ok: boolean;
  /** HTTP status, or the socket error code, or 'timeout'. */
  detail: string;
}

export type Probe = (target: Endpoint, path: string, timeoutMs: number) => Promise<ProbeResult>;

/**
 * One NLB-style HTTP health check: a fresh connection (no keep-alive), GET `path`, success on 200–399
 * (the NLB's default matcher).
 */
export const httpProbe: Probe = (target, path, timeoutMs) =>
  new Promise((resolve) => {
    let settled = false;
    const done = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    const req = request({
      host: target.host,
      port: target.port,
      path,
      agent: false,
      headers: { connection: 'close' },
    });
    const timer = setTimeout(() => done({ ok: false, detail: 'timeout' }), timeoutMs);
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      done({ ok: status >= 200 && status < 400, detail: String(status) });
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      done({ ok: false, detail: error.code ?? error.message }),
    );
    req.end();
  });
