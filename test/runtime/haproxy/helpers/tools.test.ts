import { toolOrSkip } from './tools';

describe('toolOrSkip', () => {
  const ci = process.env.CI;
  afterEach(() => {
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
  });

  it('fails under CI=true when a tool is missing, and skips with a message elsewhere', () => {
    process.env.CI = 'true';
    expect(() => toolOrSkip('wslb-no-such-tool', 'apt-get install -y nothing')).toThrow(
      'wslb-no-such-tool not found: apt-get install -y nothing (CI=true: a missing tool fails the suite)',
    );
    process.env.CI = 'false';
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(toolOrSkip('wslb-no-such-tool', 'apt-get install -y nothing')).toBeUndefined();
      expect(warn).toHaveBeenCalledWith(
        'skipping tests that need wslb-no-such-tool not found: apt-get install -y nothing',
      );
    } finally {
      warn.mockRestore();
    }
  });
});
