import { Match, type Template } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../lib/config';
import { InvalidInputError } from '../../runtime/contract/errors';
import { DEPLOYED_SCRYPT } from '../../runtime/contract/scrypt';
import { templateOf } from './helpers';

type Resource = { Properties: Record<string, unknown> };

const authFunction = (template: Template): Record<string, unknown> => {
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function')).filter(
    (r) => (r as Resource).Properties.Handler === 'index.handler',
  ) as Resource[];
  return fn!.Properties;
};

describe('auth function: what bounds the cost of logins', () => {
  let template: Template;
  beforeAll(() => {
    template = templateOf({ strategy: 'direct' });
  });

  test('sized for one login per environment: Node.js 24 on arm64, 1,769 MB (one vCPU), 10 s, no source maps', () => {
    const fn = authFunction(template);
    expect(fn).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 1769,
      Timeout: 10,
    });
    expect(fn.Environment).not.toHaveProperty('Variables.NODE_OPTIONS');
  });

  test('reserved concurrency (the most it runs at once): 100 by default', () => {
    expect(authFunction(template).ReservedConcurrentExecutions).toBe(100);
  });

  test('reserved concurrency from the context key authReservedConcurrency', () => {
    expect(
      authFunction(templateOf({ strategy: 'nlb', authReservedConcurrency: '5' }))
        .ReservedConcurrentExecutions,
    ).toBe(5);
    expect(() => parseConfig({ authReservedConcurrency: 0 })).toThrow(InvalidInputError);
    expect(() => parseConfig({ authReservedConcurrency: 'many' })).toThrow(
      'authReservedConcurrency: got "many"; accepted: an integer from 1 to 1000',
    );
  });

  test('the decoy of an unknown user costs the deployed scrypt parameters, from the same constant', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Environment: {
        Variables: Match.objectLike({
          SCRYPT_N: String(DEPLOYED_SCRYPT.N),
          SCRYPT_R: String(DEPLOYED_SCRYPT.r),
          SCRYPT_P: String(DEPLOYED_SCRYPT.p),
        }),
      },
    });
  });
});

describe('auth function: an OIDC issuer from context', () => {
  const COGNITO = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123';

  test('oidcIssuer/oidcAudience/oidcJwksUrl become OIDC_* of the function; no IAM permission is added', () => {
    const plain = templateOf({ strategy: 'direct' });
    const withOidc = templateOf({
      strategy: 'direct',
      oidcIssuer: COGNITO,
      oidcAudience: 'client-a,client-b',
      oidcJwksUrl: `${COGNITO}/.well-known/jwks.json`,
    });
    expect(authFunction(withOidc).Environment).toMatchObject({
      Variables: {
        OIDC_ISSUER: COGNITO,
        OIDC_AUDIENCE: 'client-a,client-b',
        OIDC_JWKS_URL: `${COGNITO}/.well-known/jwks.json`,
      },
    });
    expect(authFunction(plain).Environment).not.toHaveProperty('Variables.OIDC_ISSUER');
    const policies = (t: Template) => JSON.stringify(t.findResources('AWS::IAM::Policy'));
    expect(policies(withOidc)).toBe(policies(plain));
  });

  test('the Function URL lets browsers send Authorization', () => {
    templateOf({ strategy: 'nlb', oidcIssuer: COGNITO, oidcAudience: 'client-a' }).hasResourceProperties(
      'AWS::Lambda::Url',
      { Cors: Match.objectLike({ AllowHeaders: Match.arrayWith(['authorization']) }) },
    );
  });

  test('bad values name the key', () => {
    const problems = (raw: Record<string, unknown>) => {
      try {
        parseConfig({ strategy: 'direct', ...raw });
      } catch (err) {
        return (err as InvalidInputError).problems;
      }
      return [];
    };
    expect(problems({ oidcIssuer: 'http://idp.example.com', oidcAudience: 'a' })).toEqual([
      'oidcIssuer: got "http://idp.example.com"; accepted: the issuer URL of ID tokens, https (a Cognito user pool: https://cognito-idp.REGION.amazonaws.com/POOL_ID)',
    ]);
    expect(problems({ oidcIssuer: COGNITO })).toEqual([
      'oidcAudience: got nothing; accepted: required with oidcIssuer',
    ]);
    expect(problems({ oidcAudience: 'a', oidcJwksUrl: `${COGNITO}/jwks` })).toEqual([
      'oidcAudience: got "a"; accepted: only with oidcIssuer',
      `oidcJwksUrl: got "${COGNITO}/jwks"; accepted: only with oidcIssuer`,
    ]);
    expect(parseConfig({ strategy: 'direct', oidcIssuer: COGNITO, oidcAudience: ' a , b ' }).oidc).toEqual({
      issuer: COGNITO,
      audience: ['a', 'b'],
    });
  });
});
