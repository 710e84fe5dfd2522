import type { Scenario } from '../types';
import { badInput } from './bad-input';
import { haproxyFailover } from './haproxy-failover';
import { haproxyPairRoll } from './haproxy-pair-roll';
import { haproxySplitBrain } from './haproxy-split-brain';
import { hostileFrames } from './hostile-frames';
import { loginThrottled } from './login-throttled';
import { nodeDrained } from './node-drained';
import { nodeKilled } from './node-killed';
import { overload } from './overload';
import { registryOutage } from './registry-outage';
import { rollingRestart } from './rolling-restart';
import { secrets } from './secrets';
import { STRATEGY_SWITCHES } from './strategy-switch';

/** In the order, later additions before scenario 8, which runs last so it sees every other scenario's logs. */
export const SCENARIOS: Scenario[] = [
  nodeKilled,
  nodeDrained,
  rollingRestart,
  haproxyFailover,
  registryOutage,
  overload,
  badInput,
  hostileFrames,
  haproxySplitBrain,
  loginThrottled,
  ...STRATEGY_SWITCHES,
  haproxyPairRoll,
  secrets,
];
