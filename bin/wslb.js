#!/usr/bin/env node

// The `wslb` CLI. It runs the TypeScript sources in place through tsx's CommonJS API (decision 0145):
// no build step, so `npx wslb` always runs the checkout as it is. The CDK app is bin/cdk-app.ts.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs/api').register();
require('../cli/main.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
