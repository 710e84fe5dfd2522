/** @type {import('jest').Config} */
// The SDK warns on every load that later releases need Node 22; the version is pinned by the lock file.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest'] },
  // jose 6 ships only ES modules; swc turns them into CommonJS for jest.
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  // The client's sources import with `.js`, as ES modules must (its declarations ship as ESM): map to the .ts.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  setupFilesAfterEnv: ['aws-cdk-lib/testhelpers/jest-autoclean'],
  // A scratch directory for the run, where test files share a `cdk synth` (test/helpers/cdk-synth.ts).
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
};
