import { Match, type Template } from 'aws-cdk-lib/assertions';
import { ConfigError, parseConfig } from '../../lib/config';
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
    expect(() => parseConfig({ authReservedConcurrency: 0 })).toThrow(ConfigError);
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
