import type { StackProps } from 'aws-cdk-lib';
import type { WslbConfig } from '../config';

/** Props of every strategy stack. */
export interface StrategyStackProps extends StackProps {
  /** The app's validated context. */
  readonly config: WslbConfig;
}
