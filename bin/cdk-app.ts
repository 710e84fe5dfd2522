import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app';
import { ConfigError, parseConfig, readContext } from '../lib/config';

const app = new App();
try {
  buildApp(app, parseConfig(readContext((key) => app.node.tryGetContext(key))));
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(1);
}
app.synth();
