import { findExecutable } from '../../../../runtime/haproxy/agent/haproxy-binary';

/**
 * The path of a real tool the test needs. Under CI=true a missing tool fails the test (CI installs Debian's
 * haproxy and keepalived); elsewhere the caller skips with the message printed once.
 */
export function toolOrSkip(name: string, install: string): string | undefined {
  const path = findExecutable(name);
  if (path) return path;
  const message = `${name} not found: ${install}`;
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: a missing tool fails the suite)`);
  console.warn(`skipping tests that need ${message}`);
  return undefined;
}

/** `describe` when the tool is there, `describe.skip` when it is not (outside CI only). */
export function describeWithTool(name: string, install: string) {
  return toolOrSkip(name, install) ? describe : describe.skip;
}
