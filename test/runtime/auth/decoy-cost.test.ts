import crypto from 'node:crypto';
import { ScryptUserStore } from '../../../runtime/auth/credentials';
import { hashPassword } from '../../../runtime/auth/password-hash';
import { DEPLOYED_SCRYPT, type ScryptParams } from '../../../runtime/contract/scrypt';

/** The scrypt work each call of `run` does: one entry (N, r, p) per scrypt computed. */
async function scryptWork(run: () => Promise<unknown>): Promise<ScryptParams[]> {
  const work: ScryptParams[] = [];
  const real = crypto.scrypt;
  const spy = jest.spyOn(crypto, 'scrypt').mockImplementation(((...args: Parameters<typeof real>) => {
    const options = args[3] as crypto.ScryptOptions;
    work.push({
      N: options.N ?? options.cost ?? 0,
      r: options.r ?? options.blockSize ?? 0,
      p: options.p ?? 0,
    });
    return (real as (...a: unknown[]) => void)(...args);
  }) as typeof real);
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return work;
}

jest.setTimeout(180_000); // scrypt at the deployed cost, on a machine that may be busy

describe('an unknown user costs the same scrypt work as a wrong password for a real one', () => {
  it('with the deployed parameters: one scrypt of the same N, r, p, on the first and every later check', async () => {
    const store = new ScryptUserStore({ users: { alice: await hashPassword('wonderland') } });
    const realUser = await scryptWork(() => store.check('alice', 'not-her-password'));
    const firstUnknown = await scryptWork(() => store.check('mallory', 'guess'));
    const laterUnknown = await scryptWork(() => store.check('trudy', 'guess'));
    expect(realUser).toEqual([DEPLOYED_SCRYPT]);
    expect(firstUnknown).toEqual(realUser);
    expect(laterUnknown).toEqual(realUser);
  });

  it('with the parameters the store is configured with, whatever they are', async () => {
    for (const params of [
      { N: 2 ** 10, r: 8, p: 1 },
      { N: 2 ** 12, r: 4, p: 3 },
    ]) {
      const store = new ScryptUserStore(
        { users: { alice: await hashPassword('wonderland', params) } },
        params,
      );
      const realUser = await scryptWork(() => store.check('alice', 'nope'));
      const unknown = await scryptWork(() => store.check('bob', 'nope'));
      expect(realUser).toEqual([params]);
      expect(unknown).toEqual(realUser);
    }
  });

  it('names the users whose hash has other parameters (timing tells them apart)', async () => {
    const deployed = { N: 2 ** 10, r: 8, p: 1 };
    const store = new ScryptUserStore(
      {
        users: {
          alice: await hashPassword('a', deployed),
          bob: await hashPassword('b', { N: 2 ** 11, r: 8, p: 1 }),
        },
      },
      deployed,
    );
    expect(store.usersWithOtherParams()).toEqual(['bob']);
  });
});
