import { Annotations, type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { WslbConfig } from './config';
import { WslbStack } from './wslb-stack';

/**
 * The deployment's one stack, named `config.stackName`, checked by cdk-nag's AWS Solutions pack; a context key
 * this strategy does not read is a warning on the stack (`cdk synth --strict` fails on it).
 */
export function buildApp(app: App, config: WslbConfig): WslbStack {
  const stack = new WslbStack(app, config.stackName, {
    config,
    description: `wslb: WebSocket load balancing (${config.strategy} strategy)`,
  });
  for (const line of config.unusedKeys) Annotations.of(stack).addWarningV2('wslb:unusedContextKey', line);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
