import { writeFileSync } from 'node:fs';
import { type AuthService, createAuthService } from '../../../runtime/auth/auth-service';
import { hashPassword } from '../../../runtime/auth/password-hash';
import { authSettingsSchema } from '../../../runtime/auth/settings';
import { type AuthFiles, TEST_SCRYPT, writeAuthFiles } from '../../helpers/auth-fixture';
import { silentLog } from '../../helpers/silent-log';

jest.setTimeout(60_000);

let files: AuthFiles;
let auth: AuthService;

beforeAll(async () => {
  files = await writeAuthFiles();
  auth = await createAuthService(
    authSettingsSchema.parse({
      ...files.env,
      STRATEGY: 'nlb',
      PUBLIC_URL: 'wss://ws.example.test',
      REGISTRY_TABLE: 'unused',
      USERS_REFRESH_MS: '200',
    }),
    silentLog,
  );
});

afterAll(() => {
  auth?.stop();
  files?.remove();
});

const login = async (username: string, password: string) =>
  (
    await auth.handle({
      method: 'POST',
      path: '/session',
      body: JSON.stringify({ username, password }),
      headers: { 'content-type': 'application/json' },
      requestId: 'r',
      sourceIp: '127.0.0.1',
    })
  ).status;

/** Polls until `login` answers `status`: the refresh runs every 200 ms; a loaded machine may take longer. */
async function eventually(username: string, password: string, status: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  let last = 0;
  while (Date.now() < deadline) {
    last = await login(username, password);
    if (last === status) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${username}: still ${last}, expected ${status}`);
}

describe('users reach a running auth instance without a restart', () => {
  it('a user added to the users document can log in; a removed one cannot; a broken document changes nothing', async () => {
    expect(await login('bob', 'builder')).toBe(401);
    const bob = await hashPassword('builder', TEST_SCRYPT);
    const alice = await hashPassword('wonderland', TEST_SCRYPT);
    writeFileSync(files.usersFile, JSON.stringify({ users: { alice, bob } }));
    await eventually('bob', 'builder', 200);

    writeFileSync(files.usersFile, '{"users": not json');
    await new Promise((r) => setTimeout(r, 600));
    expect(await login('bob', 'builder')).toBe(200);
    expect(await login('alice', 'wonderland')).toBe(200);

    writeFileSync(files.usersFile, JSON.stringify({ users: { bob } }));
    await eventually('alice', 'wonderland', 401);
    expect(await login('bob', 'builder')).toBe(200);
  });
});
