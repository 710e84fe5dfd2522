import { execFile } from 'node:child_process';

/** What the installed HAProxy can do, as `haproxy -vv` reports it; the renderer and the agent follow it. */
export interface HaproxyFeatures {
  /** e.g. `2.6.12-1+deb12u4` */
  version: string;
  major: number;
  minor: number;
  /** `http-request use-service prometheus-exporter` (`/metrics`): built with USE_PROMEX. */
  prometheusExporter: boolean;
  /** `bind … ssl crt …`: built with USE_OPENSSL. */
  openssl: boolean;
  /** `add server` / `del server` on the runtime API: HAProxy 2.5 and later. */
  dynamicServers: boolean;
}

/** Thrown when `haproxy -vv` cannot be run or does not say which HAProxy it is. */
export class HaproxyFeaturesError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HaproxyFeaturesError';
  }
}

/**
 * Parses `haproxy -vv`. The exporter counts when it is an available service (2.4+: `Available services :
 * prometheus-exporter`) or, in older output, when the feature list or build line says so (`+PROMEX`,
 * `Built with the Prometheus exporter as a service`). Throws HaproxyFeaturesError without a version line.
 */
export function parseHaproxyFeatures(vv: string): HaproxyFeatures {
  const v = /^HA-?Proxy version (\d+)\.(\d+)(\S*)/m.exec(vv);
  if (!v)
    throw new HaproxyFeaturesError(`no "HAProxy version" line in haproxy -vv output: ${vv.slice(0, 200)}`);
  const major = Number(v[1]);
  const minor = Number(v[2]);
  const features = new Set(/^Feature list :(.*)$/m.exec(vv)?.[1]?.trim().split(/\s+/) ?? []);
  const services = /^Available services :(.*)$/m.exec(vv)?.[1]?.trim().split(/\s+/);
  const prometheusExporter = services
    ? services.includes('prometheus-exporter')
    : features.has('+PROMEX') || /^Built with the Prometheus exporter as a service/m.test(vv);
  return {
    version: `${v[1]}.${v[2]}${v[3]}`,
    major,
    minor,
    prometheusExporter,
    openssl: features.has('+OPENSSL') || /^Built with OpenSSL version/m.test(vv),
    dynamicServers: major > 2 || (major === 2 && minor >= 5),
  };
}

/** Runs `<bin> -vv` and parses it. Throws HaproxyFeaturesError (with the cause) when it cannot. */
export function detectHaproxyFeatures(bin: string): Promise<HaproxyFeatures> {
  return new Promise((resolve, reject) => {
    execFile(bin, ['-vv'], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) {
        reject(
          new HaproxyFeaturesError(`${bin} -vv failed: ${`${stderr}`.trim() || error.message}`, {
            cause: error,
          }),
        );
        return;
      }
      try {
        resolve(parseHaproxyFeatures(`${stdout}`));
      } catch (parseError) {
        reject(parseError);
      }
    });
  });
}
