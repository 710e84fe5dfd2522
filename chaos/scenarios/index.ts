import type { Scenario } from '../types';
import { nodeKilled } from './node-killed';

/** In the order; scenario 8 runs last so it sees every other scenario's logs. */
export const SCENARIOS: Scenario[] = [nodeKilled];
