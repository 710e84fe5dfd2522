import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app';
import { deploymentLine, parseConfig, readContext } from '../lib/config';
import { InvalidInputError } from '../runtime/contract/errors';

const app = new App();
try {
  const raw = readContext((key) => app.node.tryGetContext(key));
  const config = parseConfig(raw, Object.keys(app.node.getAllContext()));
  console.error(deploymentLine(config));
  buildApp(app, config);
} catch (err) {
  if (!(err instanceof InvalidInputError)) throw err;
  console.error(err.message);
  process.exit(1);
}
app.synth();
