import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkHaproxyConfig } from '../../../../runtime/haproxy/agent/haproxy-binary';
import {
  detectHaproxyFeatures,
  HaproxyFeaturesError,
  parseHaproxyFeatures,
} from '../../../../runtime/haproxy/agent/haproxy-features';
import { buildAgent } from '../../../../runtime/haproxy/agent/main';
import { agentSettingsFromEnv } from '../../../../runtime/haproxy/agent/settings';
import { memoryLogger } from '../helpers/logger';
import { describeWithTool, toolOrSkip } from '../helpers/tools';

const WITHOUT_PROMEX = readFileSync(join(__dirname, 'fixtures', 'haproxy-2.4-without-promex.vv.txt'), 'utf8');
const EXPORTER_LINE = 'http-request use-service prometheus-exporter if { path /metrics }';

describe('parseHaproxyFeatures', () => {
  it('a 2.4 build without USE_PROMEX: no exporter, no dynamic servers, OpenSSL', () => {
    expect(parseHaproxyFeatures(WITHOUT_PROMEX)).toEqual({
      version: '2.4.22-f8e3218',
      major: 2,
      minor: 4,
      prometheusExporter: false,
      openssl: true,
      dynamicServers: false,
    });
  });

  it('reads older output: HA-Proxy banner, the exporter from the build line or the feature list', () => {
    expect(
      parseHaproxyFeatures(
        'HA-Proxy version 2.0.33 2023/07/27\nBuilt with the Prometheus exporter as a service\n',
      ),
    ).toMatchObject({ version: '2.0.33', prometheusExporter: true, openssl: false, dynamicServers: false });
    expect(
      parseHaproxyFeatures('HAProxy version 3.0.5\nFeature list : +EPOLL +PROMEX -OPENSSL\n'),
    ).toMatchObject({ prometheusExporter: true, openssl: false, dynamicServers: true });
  });

  it('refuses output that names no HAProxy version', () => {
    expect(() => parseHaproxyFeatures('bash: haproxy: command not found')).toThrow(HaproxyFeaturesError);
    expect(() => parseHaproxyFeatures('')).toThrow(/no "HAProxy version" line/);
  });
});

describeWithTool('haproxy', 'apt-get install -y haproxy')('HAProxy features at the agent start', () => {
  const haproxy = toolOrSkip('haproxy', 'apt-get install -y haproxy')!;
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wslb-features-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A haproxy whose -vv says `vv`; every other call goes to the real one (so `haproxy -c` is real). */
  const fakeHaproxy = (vv: string) => {
    writeFileSync(join(dir, 'vv.txt'), vv);
    const bin = join(dir, 'haproxy');
    writeFileSync(
      bin,
      `#!/bin/sh\nif [ "$1" = "-vv" ]; then cat '${join(dir, 'vv.txt')}'; exit 0; fi\nexec '${haproxy}' "$@"\n`,
    );
    chmodSync(bin, 0o755);
    return bin;
  };
  const agentFor = async (bin: string, extra: Record<string, string> = {}) => {
    const backends = join(dir, 'backends.json');
    writeFileSync(backends, JSON.stringify([{ id: 'n1', host: '127.0.0.1', port: 9100 }]));
    const settings = agentSettingsFromEnv({
      BACKENDS_FILE: backends,
      HAPROXY_CONFIG_PATH: join(dir, 'haproxy.cfg'),
      HAPROXY_PID_FILE: join(dir, 'haproxy.pid'),
      HAPROXY_MASTER_SOCKET: join(dir, 'master.sock'),
      HAPROXY_STATS_SOCKET: join(dir, 'admin.sock'),
      HAPROXY_USER: 'root',
      LISTEN_ADDRESS: '127.0.0.1',
      LISTEN_PORT: '18080',
      STATS_PORT: '18404',
      ...extra,
    });
    const log = memoryLogger();
    return { agent: buildAgent(settings, log.logger, { haproxyBin: bin }), log };
  };

  it("Debian's haproxy has the exporter: the config serves /metrics and haproxy -c accepts it", async () => {
    const features = await detectHaproxyFeatures(haproxy);
    expect(features).toMatchObject({ prometheusExporter: true, openssl: true, dynamicServers: true });
    expect(execFileSync(haproxy, ['-vv']).toString()).toContain(`version ${features.version}`);

    const { agent, log } = await agentFor(haproxy);
    expect(await (await agent).syncOnce()).toBe('written');
    const config = readFileSync(join(dir, 'haproxy.cfg'), 'utf8');
    expect(config).toContain(EXPORTER_LINE);
    expect(await checkHaproxyConfig(join(dir, 'haproxy.cfg'), haproxy)).toEqual({
      ok: true,
      output: expect.any(String),
    });
    expect(log.lines.find((l) => l.event === 'haproxy_features')).toMatchObject({ prometheusExporter: true });
  });

  it('a haproxy without the exporter: the config leaves /metrics out, haproxy -c accepts it, a warning says so', async () => {
    const { agent, log } = await agentFor(fakeHaproxy(WITHOUT_PROMEX));
    expect(await (await agent).syncOnce()).toBe('written');
    const config = readFileSync(join(dir, 'haproxy.cfg'), 'utf8');
    expect(config).not.toContain('prometheus-exporter');
    expect(config).toContain('monitor-uri /health');
    expect(await checkHaproxyConfig(join(dir, 'haproxy.cfg'), haproxy)).toMatchObject({ ok: true });
    expect(log.events()).toEqual(expect.arrayContaining(['no_prometheus_exporter', 'no_dynamic_servers']));
  });

  it('the exporter line is what a haproxy without it refuses: the detection is needed', async () => {
    // Debian's haproxy stands in for one without the service by naming a service that does not exist.
    writeFileSync(
      join(dir, 'probe.cfg'),
      `defaults\n  mode http\n  timeout client 1s\n  timeout server 1s\n  timeout connect 1s\nfrontend s\n  bind 127.0.0.1:18405\n  http-request use-service no-such-exporter\n`,
    );
    const check = await checkHaproxyConfig(join(dir, 'probe.cfg'), haproxy);
    expect(check.ok).toBe(false);
    expect(check.output).toMatch(/use-service/);
  });

  it('TLS asked of a haproxy built without OpenSSL stops the agent with the variable named', async () => {
    const noSsl = WITHOUT_PROMEX.replace('+OPENSSL', '-OPENSSL').replace(/^Built with OpenSSL.*$/gm, '');
    const { agent } = await agentFor(fakeHaproxy(noSsl), { TLS_CERT_FILE: join(dir, 'cert.pem') });
    await expect(agent).rejects.toThrow(/^TLS_CERT_FILE is set but .* was built without OpenSSL$/);
  });

  it('a haproxy that cannot say what it is stops the agent', async () => {
    await expect(detectHaproxyFeatures(join(dir, 'missing-haproxy'))).rejects.toThrow(HaproxyFeaturesError);
    await expect(detectHaproxyFeatures(fakeHaproxy('garbage\n'))).rejects.toThrow(
      /no "HAProxy version" line/,
    );
  });
});
