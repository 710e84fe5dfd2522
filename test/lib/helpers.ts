import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { buildApp } from '../../lib/app';
import { type ContextKey, parseConfig } from '../../lib/config';
import type { WslbStack } from '../../lib/wslb-stack';

export const REPO_ROOT = path.resolve(__dirname, '../..');

/** cdk.json's context: `new App()` in a test does not read it. */
const CDK_JSON_CONTEXT = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')).context as Record<
  string,
  unknown
>;

export interface SynthOptions {
  /** Run esbuild for the stacks' bundles. @default false (bundling is 2-7 s a stack) */
  readonly bundle?: boolean;
  /**
   * Run CDK's built-in CloudFormation validation at synth (cdk.json makes its errors fail synth).
   * @default false: its rule engine takes ~10 s of CPU to start in every test file; test/lib/app.test.ts
   * runs it once over all three stacks.
   */
  readonly validate?: boolean;
}

/** An App with cdk.json's context plus `context`, built the way bin/cdk-app.ts builds it. */
export function synthApp(
  context: Partial<Record<ContextKey, unknown>>,
  options: SynthOptions = {},
): { app: App; stack: WslbStack } {
  const app = new App({
    builtinCloudFormationValidation: options.validate ?? false,
    context: {
      ...CDK_JSON_CONTEXT,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...context,
    },
  });
  const stack = buildApp(app, parseConfig(context));
  return { app, stack };
}

export function templateOf(context: Partial<Record<ContextKey, unknown>>): Template {
  return Template.fromStack(synthApp(context).stack);
}

/** All `Fn::Join` pieces of a user data property, joined with tokens shown as `{…}`. */
export function userDataText(userData: unknown): string {
  const join = (userData as { 'Fn::Base64': { 'Fn::Join': [string, unknown[]] } })['Fn::Base64']['Fn::Join'];
  return join[1].map((part) => (typeof part === 'string' ? part : '{TOKEN}')).join(join[0]);
}

/** Logical ids of the CloudFormation resources defined under `scope` (its own included). */
export function logicalIdsUnder(scope: IConstruct): string[] {
  const stack = Stack.of(scope);
  return scope.node
    .findAll()
    .filter((c): c is CfnResource => c instanceof CfnResource)
    .map((c) => stack.getLogicalId(c));
}

/**
 * Where two template values differ, as dotted property paths (`Properties.Environment.Variables.STRATEGY`);
 * arrays, scalars and intrinsic functions (`Fn::Join`, `Ref`, …) are compared whole.
 */
export function differingPaths(a: unknown, b: unknown, path = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !Object.keys(v).some((key) => key === 'Ref' || key.startsWith('Fn::'));
  if (!isObject(a) || !isObject(b)) return [path];
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((key) =>
    differingPaths(a[key], b[key], path ? `${path}.${key}` : key),
  );
}

/** Every statement of the IAM policies attached to the one role whose logical id starts with `rolePrefix`. */
export function roleStatements(template: Template, rolePrefix: string): Array<Record<string, unknown>> {
  const roles = Object.keys(template.findResources('AWS::IAM::Role')).filter((id) =>
    id.startsWith(rolePrefix),
  );
  if (roles.length !== 1) throw new Error(`${roles.length} roles start with ${rolePrefix}`);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(roles[0]!))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}
