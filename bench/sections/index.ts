import type { Section } from '../types';
import { appHop } from './app-hop';
import { capacity } from './capacity';
import { evenness } from './evenness';
import { loginCost } from './login-cost';
import { nodeOverhead } from './node-overhead';
import { pathCost } from './path-cost';
import { portWall } from './port-wall';
import { ramp } from './ramp';
import { registryCost } from './registry-cost';
import { scaleOut } from './scale-out';

/** In the order. */
export const SECTIONS: Section[] = [
  nodeOverhead,
  pathCost,
  evenness,
  capacity,
  portWall,
  scaleOut,
  loginCost,
  registryCost,
  ramp,
  appHop,
];
