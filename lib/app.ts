import type { Stack } from 'aws-cdk-lib';
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { STRATEGIES, type Strategy, type WslbConfig } from './config';
import { DirectStack } from './strategies/direct-stack';
import { HaproxyStack } from './strategies/haproxy-stack';
import { NlbStack } from './strategies/nlb-stack';

/** Stack id of a strategy: the strategy's name behind the app's prefix. */
export const stackId = (strategy: Strategy) => `wslb-${strategy}`;

const STACKS = { nlb: NlbStack, haproxy: HaproxyStack, direct: DirectStack } as const;

/** The stacks of `config.strategy`, or all three when it is absent, checked by cdk-nag's AWS Solutions pack. */
export function buildApp(app: App, config: WslbConfig): Stack[] {
  const strategies = config.strategy ? [config.strategy] : [...STRATEGIES];
  const stacks = strategies.map((strategy) => {
    const StackClass = STACKS[strategy];
    return new StackClass(app, stackId(strategy), {
      config,
      description: `wslb: WebSocket load balancing, ${strategy} strategy`,
    });
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stacks;
}
