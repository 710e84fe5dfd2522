import { randomBytes } from 'node:crypto';
import type { Strategy } from '../../runtime/contract/strategies';
import {
  DynamoDbRegistry,
  type EmbeddedRegistry,
  type NodeHeartbeat,
  startEmbeddedRegistry,
} from '../../runtime/registry';
import { FunctionUrlHost } from './function-url-host';
import { lambdaNodeBinary } from './node-binary';
import { type SecretsStandIn, startSecretsStandIn } from './secrets-stand-in';
import { type SynthesizedAuth, synthAuthBundle } from './synth-auth-bundle';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';

/** The synthesized auth function running here as Lambda would run it, with its AWS services on loopback. */
export interface LocalAuthFunction {
  synth: SynthesizedAuth;
  host: FunctionUrlHost;
  registry: EmbeddedRegistry;
  secrets: SecretsStandIn;
  /** The secret ARNs the function was given, by what they hold. */
  arns: { token: string; users: string };
  /** The token secret's JSON (to verify the tokens it issues). */
  tokenSecretJson: string;
  /** Write a node's heartbeat into the local registry now (a loop beats `node-a` every second). */
  beat(node?: Partial<NodeHeartbeat>): Promise<void>;
  /** Start another execution environment of the same bundle (a cold start). */
  newEnvironment(): Promise<FunctionUrlHost>;
  stop(): Promise<void>;
}

/**
 * The function's environment as the template sets it, with each CloudFormation token replaced by what
 * it names here: secrets by ARNs the stand-in answers, the table by the local registry's name. AWS
 * endpoints go to loopback through `AWS_ENDPOINT_URL_*`, which the SDK in the bundle honours.
 */
export function localEnvironment(
  synth: SynthesizedAuth,
  local: {
    tableName: string;
    secretArn: (logicalId: string) => string;
    dynamodb: string;
    secretsManager: string;
  },
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(synth.environment)) {
    if (typeof value === 'string') {
      env[name] = value;
      continue;
    }
    const ref = (value as { Ref?: string }).Ref;
    const type = ref ? synth.resources[ref]?.Type : undefined;
    if (type === 'AWS::SecretsManager::Secret') env[name] = local.secretArn(ref!);
    else if (type === 'AWS::DynamoDB::Table') env[name] = local.tableName;
    else throw new Error(`${name}: no local stand-in for ${JSON.stringify(value)}`);
  }
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...env,
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'AKIDLOCALSTANDIN',
    AWS_SECRET_ACCESS_KEY: 'local-stand-in',
    AWS_SESSION_TOKEN: 'local-stand-in',
    AWS_ENDPOINT_URL_DYNAMODB: local.dynamodb,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: local.secretsManager,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(synth.memorySize),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/**
 * `cdk synth` the stack of `strategy`, then run its auth bundle under the Lambda's Node.js major against
 * dynalite and a GetSecretValue stand-in holding `users` (a users document) and a fresh token key.
 */
export async function startLocalAuthFunction(options: {
  users: string;
  strategy?: Strategy;
  /** A bundle synthesized before (kept on stop); @default - synthesize `strategy` now */
  synth?: SynthesizedAuth;
  /** Extra variables over the template's (e.g. lower limits for a test). */
  env?: Record<string, string>;
}): Promise<LocalAuthFunction> {
  const nodeBinary = await lambdaNodeBinary();
  const synth = options.synth ?? (await synthAuthBundle(options.strategy ?? 'direct'));
  const cleanups: (() => unknown)[] = options.synth ? [] : [() => synth.remove()];
  try {
    const registry = await startEmbeddedRegistry(`wslb-registry-${randomBytes(3).toString('hex')}`);
    cleanups.push(() => registry.close());
    const tokenSecretJson = JSON.stringify({ kid: 'k1', secret: randomBytes(36).toString('base64url') });
    const secretArn = (logicalId: string) =>
      `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${logicalId}-${randomBytes(3).toString('hex')}`;
    const env = localEnvironment(synth, {
      tableName: registry.tableName,
      secretArn,
      dynamodb: registry.endpoint,
      secretsManager: 'http://127.0.0.1:1',
    });
    const arns = { token: env.TOKEN_SECRET_ARN, users: env.USERS_SECRET_ARN };
    const secrets = await startSecretsStandIn({ [arns.token]: tokenSecretJson, [arns.users]: options.users });
    cleanups.push(() => secrets.close());
    env.AWS_ENDPOINT_URL_SECRETS_MANAGER = secrets.endpoint;
    Object.assign(env, options.env);
    const hosts: FunctionUrlHost[] = [];
    const newEnvironment = async () => {
      const host = await FunctionUrlHost.start({ nodeBinary, entry: synth.entry, env });
      hosts.push(host);
      return host;
    };
    cleanups.push(() => Promise.all(hosts.map((h) => h.stop())));
    const host = await newEnvironment();
    const writer = new DynamoDbRegistry({ tableName: registry.tableName, endpoint: registry.endpoint });
    const beat = (node: Partial<NodeHeartbeat> = {}) =>
      writer.heartbeat({
        nodeId: 'node-a',
        endpoint: 'wss://node-a.example.test',
        publicEndpoint: 'wss://node-a.example.test',
        connections: 0,
        capacity: 1000,
        state: 'active',
        ...node,
      });
    // Like a live node: `direct` offers only entries whose heartbeat is fresher than FRESHNESS_MS.
    await beat();
    const beating = setInterval(() => beat().catch(() => {}), 1000);
    cleanups.push(() => clearInterval(beating));
    const stop = async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    };
    return { synth, host, registry, secrets, arns, tokenSecretJson, beat, newEnvironment, stop };
  } catch (err) {
    for (const cleanup of cleanups.reverse()) await cleanup();
    throw err;
  }
}
