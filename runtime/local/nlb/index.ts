export { chooseNlbStandIn, type StandInChoice } from './choose-stand-in';
export { type Flow, flowsTo, parseConntrack } from './conntrack';
export { endFlows, killFilters } from './end-flows';
export { httpProbe, type Probe, type ProbeResult } from './health-probe';
export { nftApplier, nftCheck } from './nft';
export { type RulesetInput, renderRuleset, renderTeardown } from './render-ruleset';
export {
  type Endpoint,
  type HealthCheckSettings,
  NLB_DEREGISTRATION_DELAY_MS_DEFAULT,
  NLB_HEALTH_CHECK_DEFAULTS,
  NLB_TABLE_DEFAULT,
  NLB_VIP_DEFAULT,
  type TargetSpec,
  type TargetState,
} from './settings';
export { type KernelNlbStandIn, type NlbStandIn, type NlbStandInOptions, startNlbStandIn } from './stand-in';
export {
  type RulesetApplied,
  type TargetChange,
  TargetGroupController,
  type TargetGroupOptions,
  type TargetStatus,
} from './target-group';
