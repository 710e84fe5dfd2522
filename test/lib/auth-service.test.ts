import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AuthService, type AuthServiceProps } from '../../lib/auth-service';
import { RegistryTable } from '../../lib/registry-table';

/** A bare stack with what the auth service needs around it; bundling off (not under test here). */
function authIn(props: Partial<AuthServiceProps> = {}) {
  const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Bare');
  const auth = new AuthService(stack, 'Auth', {
    tokenSecret: new secretsmanager.Secret(stack, 'Token'),
    usersSecret: new secretsmanager.Secret(stack, 'Users'),
    registry: new RegistryTable(stack, 'Registry'),
    ...props,
  });
  return { stack, auth };
}

const errorOf = (make: () => unknown) => {
  try {
    make();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('accepted');
};

const variables = (stack: Stack) => {
  const [fn] = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')) as {
    Properties: { Environment: { Variables: Record<string, unknown> } };
  }[];
  return fn!.Properties.Environment.Variables;
};

describe('AuthService on a bare stack', () => {
  test('defaults: any origin, freshness 6 s, registry view refreshed at most every second, 100 reserved', () => {
    const { stack, auth } = authIn();
    auth.handOut({ strategy: 'direct' });
    expect(variables(stack)).toMatchObject({
      FRESHNESS_MS: '6000',
      REGISTRY_CACHE_MS: '1000',
      STRATEGY: 'direct',
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 100 });
    t.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      Cors: Match.objectLike({ AllowOrigins: ['*'] }),
    });
  });

  test('handOut: the current path, and during a switch the retiring one', () => {
    const { stack, auth } = authIn();
    auth.handOut({ strategy: 'haproxy', publicUrl: 'ws://198.51.100.7:8080' }, { strategy: 'direct' });
    const env = variables(stack);
    expect(env).toMatchObject({
      STRATEGY: 'haproxy',
      PUBLIC_URL: 'ws://198.51.100.7:8080',
      RETIRING_STRATEGY: 'direct',
    });
    expect(env.RETIRING_PUBLIC_URL).toBeUndefined();
  });

  test('handOut refuses what the runtime would refuse, and a second call', () => {
    const { auth } = authIn();
    expect(errorOf(() => auth.handOut({ strategy: 'nlb' }))).toBe(
      'AuthService: a nlb path needs its publicUrl',
    );
    expect(errorOf(() => auth.handOut({ strategy: 'direct' }, { strategy: 'direct' }))).toBe(
      'AuthService: the retiring path is direct, the current one too',
    );
    auth.handOut({ strategy: 'direct' });
    expect(errorOf(() => auth.handOut({ strategy: 'direct' }))).toBe(
      'AuthService: handOut was already called',
    );
  });

  test('without handOut, synth fails: the service would have no path to hand out', () => {
    const { stack } = authIn();
    expect(() => Template.fromStack(stack)).toThrow(/AuthService: handOut\(path\) was never called/);
  });

  test('every bad prop is named at once, with what is accepted', () => {
    expect(
      errorOf(() =>
        authIn({
          allowedOrigins: ['ftp://x'],
          freshness: Duration.millis(400),
          registryCacheWindow: Duration.seconds(90),
          reservedConcurrency: 0,
        }),
      ),
    ).toBe(
      [
        'AuthService Bare/Auth:',
        '  allowedOrigins: got ["ftp://x"]; accepted: one or more of * or http(s)://host[:port]',
        '  freshness: got 400 ms; accepted: an integer from 500 to 600000 ms',
        '  registryCacheWindow: got 90000 ms; accepted: an integer from 0 to 60000 ms',
        '  registryCacheWindow: got 90000 ms; accepted: below freshness (400 ms), or logins are served from ' +
          'entries the registry already counts as stale',
        '  reservedConcurrency: got 0; accepted: an integer from 1 to 1000',
      ].join('\n'),
    );
  });
});
