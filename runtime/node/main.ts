import echo from './echo-app';
import { runNode } from './run-node';

/** The node service with the default app (echo); bundles with an operator's app get a generated entry instead. */
runNode(echo);
