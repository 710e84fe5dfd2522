import { z } from 'zod';
import { InvalidInputError, issueLines, parseInput, throwIfProblems } from '../../../runtime/contract/errors';

describe('InvalidInputError', () => {
  test('lists every problem under its subject, with a code to tell it from other failures', () => {
    const err = new InvalidInputError('context', ['wsPort: got 1; accepted: 1024-65535', 'nodes: got "x"']);
    expect(err.message).toBe('invalid context:\n  wsPort: got 1; accepted: 1024-65535\n  nodes: got "x"');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('InvalidInputError');
    expect(err.code).toBe('WSLB_INVALID_INPUT');
    expect(err.subject).toBe('context');
  });

  test('throwIfProblems throws only when there is a problem', () => {
    expect(() => throwIfProblems('x', [])).not.toThrow();
    expect(() => throwIfProblems('x', ['a: bad'])).toThrow('invalid x:\n  a: bad');
  });

  test('parseInput names each bad path of a zod schema, all at once', () => {
    const schema = z.object({ listen: z.object({ port: z.number().max(65535) }), id: z.string() });
    expect(() => parseInput('demo input', schema, { listen: { port: 70_000 }, id: 3 })).toThrow(
      'invalid demo input:\n  listen.port: Too big: expected number to be <=65535\n' +
        '  id: Invalid input: expected string, received number',
    );
    expect(parseInput('demo input', schema, { listen: { port: 80 }, id: 'a' })).toEqual({
      listen: { port: 80 },
      id: 'a',
    });
    expect(issueLines(z.string().safeParse(1).error!.issues)).toEqual([
      '(input): Invalid input: expected string, received number',
    ]);
  });
});
