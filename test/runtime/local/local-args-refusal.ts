import { parseLocalArgs } from '../../../runtime/local/args';

/** What `npm start -- <argv>` is refused with, before the usage text; throws when it is accepted. */
export function refusal(argv: string[]): string {
  try {
    parseLocalArgs(argv);
  } catch (err) {
    return (err as Error).message.split('\nusage:')[0];
  }
  throw new Error('accepted');
}
