import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { AUTH_CORS, ORIGIN_PATTERN } from '../runtime/contract/cors';
import { DEPLOYED_SCRYPT } from '../runtime/contract/scrypt';
import type { Strategy } from '../runtime/contract/strategies';
import { AUTH_SERVICE_DEFAULTS } from './auth-service-defaults';
import { AUTH_MEMORY_MB, type OidcContext } from './config';
import { CurrentPath } from './current-path';
import type { RegistryTable } from './registry-table';
import { REPO_ROOT } from './runtime-bundle';

/** Bundle entry of the auth service's Lambda adapter. */
export const AUTH_ENTRY = 'runtime/auth/lambda.ts';

/** The auth function's runtime; tools/lambda runs its bundle under the same Node.js major. */
export const AUTH_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** A way clients reach the nodes, as the auth service hands it out. */
export interface ClientPath {
  readonly strategy: Strategy;
  /** The balancer's client URL (`nlb`, `haproxy`); absent under `direct` (the chosen node's endpoint). */
  readonly publicUrl?: string;
}

export interface AuthServiceProps {
  /** Token audience for nlb/haproxy; the nodes accept the same name. @default - the runtime's default ('wslb') */
  readonly balancerName?: string;
  /** Token signing key, read by ARN. */
  readonly tokenSecret: secretsmanager.ISecret;
  /** Users and their scrypt hashes, read by ARN. */
  readonly usersSecret: secretsmanager.ISecret;
  /** Registry the service reads (Scan) to pick nodes. */
  readonly registry: RegistryTable;
  /** Origins allowed by CORS on the Function URL (`*`, or `https://host[:port]`). @default ['*'] */
  readonly allowedOrigins?: readonly string[];
  /**
   * A registry entry older than this is ignored: a few node heartbeats (whole milliseconds, 0.5-600 s).
   * @default Duration.seconds(6), 3 heartbeats of 2 s
   */
  readonly freshness?: Duration;
  /**
   * Each function instance refreshes its registry view at most this often; below `freshness`, or logins are
   * served from entries the registry already counts as stale (whole milliseconds, up to 60 s).
   * @default Duration.seconds(1)
   */
  readonly registryCacheWindow?: Duration;
  /**
   * Concurrent executions reserved for the function, which are also the most it runs at once (1-1000); bounds
   * logins per second and Lambda-seconds at once (decision 0116).
   * @default 100
   */
  readonly reservedConcurrency?: number;
  /**
   * An OIDC issuer whose ID tokens log in as `Authorization: Bearer`. The function fetches its JWKS over the
   * internet (it is not in a VPC) and needs no IAM permission for it. @default - built-in users only
   */
  readonly oidc?: OidcContext;
}

/**
 * The auth service: a Lambda function behind a Function URL. The URL's auth type is NONE because the
 * service checks credentials itself (POST /session); IAM auth would need SigV4 from browsers.
 */
export class AuthService extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly url: lambda.FunctionUrl;
  private handedOut = false;
  private readonly registry: RegistryTable;
  /** Writes the current path into the registry once the function hands it out; set by `handOut`. */
  currentPath?: CurrentPath;

  constructor(scope: Construct, id: string, props: AuthServiceProps) {
    super(scope, id);
    this.registry = props.registry;
    const d = AUTH_SERVICE_DEFAULTS;
    const allowedOrigins = props.allowedOrigins ?? d.allowedOrigins;
    const freshnessMs = (props.freshness ?? d.freshness).toMilliseconds({ integral: false });
    const cacheMs = (props.registryCacheWindow ?? d.registryCacheWindow).toMilliseconds({ integral: false });
    const reservedConcurrency = props.reservedConcurrency ?? d.reservedConcurrency;
    const problems = checkProps({ allowedOrigins, freshnessMs, cacheMs, reservedConcurrency });
    if (problems.length > 0) throw new Error(`AuthService ${this.node.path}:\n  ${problems.join('\n  ')}`);
    const environment: Record<string, string> = {
      TOKEN_SECRET_ARN: props.tokenSecret.secretArn,
      USERS_SECRET_ARN: props.usersSecret.secretArn,
      REGISTRY_TABLE: props.registry.table.tableName,
      FRESHNESS_MS: String(freshnessMs),
      REGISTRY_CACHE_MS: String(cacheMs),
      // The decoy check of an unknown user costs what a real hash made with these costs.
      SCRYPT_N: String(DEPLOYED_SCRYPT.N),
      SCRYPT_R: String(DEPLOYED_SCRYPT.r),
      SCRYPT_P: String(DEPLOYED_SCRYPT.p),
    };
    if (props.balancerName) environment.BALANCER_NAME = props.balancerName;
    if (props.oidc) {
      environment.OIDC_ISSUER = props.oidc.issuer;
      environment.OIDC_AUDIENCE = props.oidc.audience.join(',');
      if (props.oidc.jwksUrl) environment.OIDC_JWKS_URL = props.oidc.jwksUrl;
    }

    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH });
    // Its own role with write access to its own log group, instead of the managed basic execution policy.
    const role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: path.join(REPO_ROOT, AUTH_ENTRY),
      handler: 'handler',
      runtime: AUTH_RUNTIME,
      role,
      architecture: lambda.Architecture.ARM_64,
      memorySize: AUTH_MEMORY_MB,
      timeout: Duration.seconds(10),
      reservedConcurrentExecutions: reservedConcurrency,
      environment,
      logGroup,
      bundling: {
        target: 'node22',
        // No source maps: --enable-source-maps cost 54 MiB and about a second of every cold start (0116).
        minify: true,
        // The Lambda runtime's SDK may lag the one the registry code was tested with: bundle ours.
        externalModules: [],
      },
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
    });
    props.tokenSecret.grantRead(this.function);
    props.usersSecret.grantRead(this.function);
    props.registry.grantList(this.function);

    this.url = this.function.addFunctionUrl({
      authType: lambda.FunctionUrlAuthType.NONE,
      cors: {
        allowedOrigins: [...allowedOrigins],
        // The same CORS the local auth server speaks (runtime/contract/cors.ts).
        allowedMethods: AUTH_CORS.allowMethods.map((m) => lambda.HttpMethod[m]),
        allowedHeaders: [...AUTH_CORS.allowHeaders],
        exposedHeaders: [...AUTH_CORS.exposeHeaders],
        maxAge: Duration.seconds(AUTH_CORS.maxAgeSeconds),
      },
    });
    this.node.addValidation({
      validate: () =>
        this.handedOut ? [] : ['AuthService: handOut(path) was never called: no path to hand out'],
    });
  }

  /**
   * Hand out `current` from now on. `retiring`, a path clients are moving off during a switch, is passed
   * along so the runtime can move them. Sets the function's STRATEGY, PUBLIC_URL, RETIRING_STRATEGY and
   * RETIRING_PUBLIC_URL; the function URL itself never changes. Once the function is updated, the registry's
   * current-path item names `current`, and the nodes move clients off any other path (decision 0150).
   * @throws Error when called twice, when a balancer path has no URL, or when both paths are one strategy
   */
  handOut(current: ClientPath, retiring?: ClientPath): void {
    if (this.handedOut) throw new Error('AuthService: handOut was already called');
    for (const path of retiring ? [current, retiring] : [current]) {
      if (path.strategy !== 'direct' && !path.publicUrl) {
        throw new Error(`AuthService: a ${path.strategy} path needs its publicUrl`);
      }
    }
    if (retiring?.strategy === current.strategy) {
      throw new Error(`AuthService: the retiring path is ${current.strategy}, the current one too`);
    }
    this.handedOut = true;
    this.function.addEnvironment('STRATEGY', current.strategy);
    if (current.publicUrl) this.function.addEnvironment('PUBLIC_URL', current.publicUrl);
    if (retiring) {
      this.function.addEnvironment('RETIRING_STRATEGY', retiring.strategy);
      if (retiring.publicUrl) this.function.addEnvironment('RETIRING_PUBLIC_URL', retiring.publicUrl);
    }
    this.currentPath = new CurrentPath(this, 'CurrentPath', {
      registry: this.registry,
      strategy: current.strategy,
      retiring: retiring?.strategy,
      after: this.function,
    });
  }
}

interface CheckedProps {
  readonly allowedOrigins: readonly string[];
  readonly freshnessMs: number;
  readonly cacheMs: number;
  readonly reservedConcurrency: number;
}

function checkProps(p: CheckedProps): string[] {
  const problems: string[] = [];
  const intIn = (name: string, value: number, min: number, max: number, unit: string) => {
    if (!(Number.isInteger(value) && value >= min && value <= max)) {
      problems.push(`${name}: got ${value}${unit}; accepted: an integer from ${min} to ${max}${unit}`);
    }
  };
  const badOrigins = p.allowedOrigins.filter((o) => !ORIGIN_PATTERN.test(o));
  if (p.allowedOrigins.length === 0 || badOrigins.length > 0) {
    problems.push(
      `allowedOrigins: got ${JSON.stringify(p.allowedOrigins)}; accepted: one or more of * or ` +
        'http(s)://host[:port]',
    );
  }
  intIn('freshness', p.freshnessMs, 500, 600_000, ' ms');
  intIn('registryCacheWindow', p.cacheMs, 0, 60_000, ' ms');
  if (p.cacheMs >= p.freshnessMs) {
    problems.push(
      `registryCacheWindow: got ${p.cacheMs} ms; accepted: below freshness (${p.freshnessMs} ms), or logins ` +
        'are served from entries the registry already counts as stale',
    );
  }
  intIn('reservedConcurrency', p.reservedConcurrency, 1, 1000, '');
  return problems;
}
