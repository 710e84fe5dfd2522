import { authSettingsFromEnv } from '../../../../runtime/auth/settings';

const base = { STRATEGY: 'direct', TOKEN_SECRET_FILE: '/t', USERS_FILE: '/u', REGISTRY_TABLE: 'wslb-nodes' };
const COGNITO = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123';

describe('OIDC settings', () => {
  it('takes an issuer with its audiences (comma-separated) and an optional JWKS URL', () => {
    expect(
      authSettingsFromEnv({ ...base, OIDC_ISSUER: COGNITO, OIDC_AUDIENCE: 'client-a, client-b' }),
    ).toMatchObject({
      OIDC_ISSUER: COGNITO,
      OIDC_AUDIENCE: ['client-a', 'client-b'],
    });
    expect(
      authSettingsFromEnv({
        ...base,
        OIDC_ISSUER: 'http://127.0.0.1:4000',
        OIDC_AUDIENCE: 'x',
        OIDC_JWKS_URL: 'http://localhost:4000/jwks.json',
      }),
    ).toMatchObject({ OIDC_JWKS_URL: 'http://localhost:4000/jwks.json' });
  });

  it('refuses plain http beyond loopback, an issuer without audience, and OIDC_* without an issuer, naming each', () => {
    expect(() =>
      authSettingsFromEnv({ ...base, OIDC_ISSUER: 'http://idp.example.com', OIDC_AUDIENCE: 'x' }),
    ).toThrow(
      'OIDC_ISSUER: an https:// URL (http:// only on 127.0.0.1 or localhost) (got "http://idp.example.com")',
    );
    expect(() => authSettingsFromEnv({ ...base, OIDC_ISSUER: COGNITO })).toThrow(
      'OIDC_AUDIENCE: required with OIDC_ISSUER',
    );
    expect(() =>
      authSettingsFromEnv({ ...base, OIDC_AUDIENCE: 'x', OIDC_JWKS_URL: `${COGNITO}/.well-known/jwks.json` }),
    ).toThrow(/OIDC_AUDIENCE: only with OIDC_ISSUER[\s\S]*OIDC_JWKS_URL: only with OIDC_ISSUER/);
    expect(() => authSettingsFromEnv({ ...base, OIDC_ISSUER: COGNITO, OIDC_AUDIENCE: ' , ' })).toThrow(
      /OIDC_AUDIENCE/,
    );
  });
});
