import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { startCertificate } from '../../../../runtime/haproxy/agent/main';
import { agentSettingsFromEnv } from '../../../../runtime/haproxy/agent/settings';
import { makeLocalCa } from '../../../../runtime/local/tls-ca';
import { memoryLogger } from '../helpers/logger';
import { toolOrSkip } from '../helpers/tools';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:wslb-haproxy-tls-AbCdEf';
const openssl = toolOrSkip('openssl', 'apt-get install -y openssl');

describe('the agent’s certificate from Secrets Manager', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wslb-agent-tls-'));
  const sm = mockClient(SecretsManagerClient);
  afterAll(() => {
    sm.restore();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses TLS_CERT_SECRET_ARN without TLS_CERT_FILE, naming the variable', () => {
    expect(() => agentSettingsFromEnv({ BACKENDS_FILE: '/tmp/b.json', TLS_CERT_SECRET_ARN: ARN })).toThrow(
      /TLS_CERT_FILE: required with TLS_CERT_SECRET_ARN/,
    );
  });

  it('is off without TLS_CERT_SECRET_ARN', async () => {
    const settings = agentSettingsFromEnv({ BACKENDS_FILE: '/tmp/b.json' });
    expect(await startCertificate(settings, memoryLogger().logger)).toBeUndefined();
  });

  (openssl ? it : it.skip)(
    'reads the secret by its ARN and writes the bundle where the config’s crt reads it, before HAProxy runs',
    async () => {
      const ca = await makeLocalCa(dir, { openssl });
      sm.on(GetSecretValueCommand, { SecretId: ARN }).resolves({
        SecretString: readFileSync(ca.bundleFile, 'utf8'),
      });
      const file = join(dir, 'certs', 'wslb.pem');
      const settings = agentSettingsFromEnv({
        BACKENDS_FILE: '/tmp/b.json',
        TLS_CERT_SECRET_ARN: ARN,
        TLS_CERT_FILE: file,
        HAPROXY_PID_FILE: join(dir, 'none.pid'),
      });
      const { logger, lines } = memoryLogger();
      const refresh = await startCertificate(settings, logger);
      refresh?.stop();
      expect(readFileSync(file, 'utf8')).toBe(refresh?.current().pem);
      expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
      // The log names the certificate, never its key.
      expect(JSON.stringify(lines)).not.toContain('PRIVATE KEY');
      expect(lines.map((l) => l.event)).toContain('tls_certificate_loaded');
    },
    60_000,
  );

  it('fails to start when the secret is not a bundle, naming the secret', async () => {
    sm.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: '{"not":"pem"}' });
    const settings = agentSettingsFromEnv({
      BACKENDS_FILE: '/tmp/b.json',
      TLS_CERT_SECRET_ARN: ARN,
      TLS_CERT_FILE: join(dir, 'never.pem'),
    });
    await expect(startCertificate(settings, memoryLogger().logger)).rejects.toThrow(
      `certificate secret ${ARN}: no CERTIFICATE block`,
    );
  });
});
