import { InvalidInputError } from '../../runtime/contract/errors';

/** The problems `fn` refuses its input with; fails the test when it throws anything else, or nothing. */
export function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidInputError) return err.problems;
    throw err;
  }
  throw new Error('the input was accepted');
}
