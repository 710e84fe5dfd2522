import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { main } from '../../cli/main';
import { parseUsers, ScryptUserStore } from '../../runtime/auth/credentials';
import { hashPassword } from '../../runtime/auth/password-hash';
import { captureIo } from './capture-io';

// Each add hashes with the deployed scrypt cost (about a second of CPU, far more on a loaded machine).
jest.setTimeout(300_000);

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:wslb-users-AbCdEf';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const sm = mockClient(SecretsManagerClient);

async function run(args: string[], stdin?: string) {
  const capture = captureIo({ stdin });
  const code = await main(args, capture.io);
  return { code, stdout: capture.stdout(), stderr: capture.stderr() };
}

/** A cheap hash for documents the test starts from; users the CLI adds get the deployed cost. */
const cheap = (password: string) => hashPassword(password, { N: 2 ** 10, r: 8, p: 1 });

describe('wslb users against the deployed secret (Secrets Manager, mocked)', () => {
  let bobHash: string;
  beforeAll(async () => {
    bobHash = await cheap('bob-password');
  });
  beforeEach(() => sm.reset());

  function secretHolds(users: Record<string, string>, versionId = 'v1') {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ users }), VersionId: versionId });
  }

  test('add reads the secret, writes the merged document with a new scrypt hash, and checks the stages', async () => {
    secretHolds({ bob: bobHash });
    sm.on(PutSecretValueCommand).resolves({ VersionId: 'v2' });
    sm.on(DescribeSecretCommand).resolves({
      VersionIdsToStages: { v2: ['AWSCURRENT'], v1: ['AWSPREVIOUS'] },
    });

    const result = await run(
      ['users', 'add', 'alice', '--secret-id', SECRET, '--region', 'eu-west-1'],
      'alice-pass\n',
    );

    expect(result).toMatchObject({ code: 0, stdout: '' });
    expect(result.stderr).toContain(`added alice in secret ${SECRET}`);
    expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: SECRET },
      { SecretId: SECRET },
    ]);
    const puts = sm.commandCalls(PutSecretValueCommand).map((c) => c.args[0].input);
    expect(puts).toEqual([
      { SecretId: SECRET, SecretString: expect.any(String), ClientRequestToken: expect.stringMatching(UUID) },
    ]);
    const written = parseUsers(puts[0]!.SecretString!);
    expect(Object.keys(written.users).sort()).toEqual(['alice', 'bob']);
    expect(written.users.bob).toBe(bobHash);
    expect(written.users.alice).toMatch(/^scrypt\$131072\$8\$1\$/);
    // The auth service's own checker accepts the password (without its trailing newline), and only it.
    const checker = new ScryptUserStore(written);
    await expect(checker.check('alice', 'alice-pass')).resolves.toBe(true);
    await expect(checker.check('alice', 'alice-pass\n')).resolves.toBe(false);
    expect(sm.commandCalls(DescribeSecretCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: SECRET },
    ]);
    // The client was built for the region asked for.
    expect(await sm.commandCalls(GetSecretValueCommand)[0]!.thisValue.config.region()).toBe('eu-west-1');
  });

  test('add refuses an existing user without --replace and writes nothing', async () => {
    secretHolds({ bob: bobHash });
    const result = await run(['users', 'add', 'bob', '--secret-id', SECRET], 'another-password');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`bob already exists in secret ${SECRET}; --replace sets a new password`);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  test('a password shorter than 8 characters is refused before anything is written', async () => {
    secretHolds({});
    const result = await run(['users', 'add', 'carol', '--secret-id', SECRET], 'short\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('password: 8 to 1024 characters, got 5; nothing changed');
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  test('a name with an escape sequence or a control character is refused before anything is read', async () => {
    for (const name of ['esc\u001b[2J\u001b[31mred', 'ctl\u0001x']) {
      const result = await run(['users', 'add', name, '--secret-id', SECRET], 'long-enough-password\n');
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('no control or format characters');
    }
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  test('a write that raced another one is reported (exit 1): the version read is not AWSPREVIOUS', async () => {
    secretHolds({ bob: bobHash });
    sm.on(PutSecretValueCommand).resolves({ VersionId: 'v3' });
    sm.on(DescribeSecretCommand).resolves({
      VersionIdsToStages: { v3: ['AWSCURRENT'], v2: ['AWSPREVIOUS'], v1: [] },
    });
    const result = await run(['users', 'remove', 'bob', '--secret-id', SECRET]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `secret ${SECRET} changed while this command ran (read version v1, wrote v3): another change may be lost`,
    );
  });

  test('remove writes the document without the user', async () => {
    secretHolds({ bob: bobHash, dave: bobHash });
    sm.on(PutSecretValueCommand).resolves({ VersionId: 'v2' });
    sm.on(DescribeSecretCommand).resolves({
      VersionIdsToStages: { v2: ['AWSCURRENT'], v1: ['AWSPREVIOUS'] },
    });
    const result = await run(['users', 'remove', 'bob', '--secret-id', SECRET]);
    expect(result.code).toBe(0);
    const puts = sm.commandCalls(PutSecretValueCommand).map((c) => c.args[0].input);
    expect(puts).toEqual([
      {
        SecretId: SECRET,
        SecretString: JSON.stringify({ users: { dave: bobHash } }),
        ClientRequestToken: expect.stringMatching(UUID),
      },
    ]);
  });

  test('remove of an unknown user fails and writes nothing', async () => {
    secretHolds({ bob: bobHash });
    const result = await run(['users', 'remove', 'nobody', '--secret-id', SECRET]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no user nobody in secret ${SECRET}`);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  test('list prints names and scrypt costs, never a hash; --json for scripts', async () => {
    secretHolds({ zed: bobHash, bob: bobHash });
    const table = await run(['users', 'list', '--secret-id', SECRET]);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')).toEqual([
      'username  scrypt N  r  p  deployed cost',
      'bob       2^10      8  1  no: re-add with --replace',
      'zed       2^10      8  1  no: re-add with --replace',
      '',
    ]);
    const json = await run(['users', 'list', '--secret-id', SECRET, '--json']);
    expect(JSON.parse(json.stdout)).toEqual({
      users: [
        { username: 'bob', scrypt: { N: 1024, r: 8, p: 1 }, deployedCost: false },
        { username: 'zed', scrypt: { N: 1024, r: 8, p: 1 }, deployedCost: false },
      ],
    });
    expect(table.stdout + json.stdout).not.toContain(bobHash.split('$')[5]);
  });

  test('an AWS error fails with exit 1 and names the secret and the error', async () => {
    sm.on(GetSecretValueCommand).rejects(
      Object.assign(new Error("Secrets Manager can't find the specified secret."), {
        name: 'ResourceNotFoundException',
      }),
    );
    const result = await run(['users', 'list', '--secret-id', SECRET]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `cannot read secret ${SECRET} (ResourceNotFoundException: Secrets Manager can't find the specified secret.)`,
    );
  });

  test('a secret that is not a users document fails without writing', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: '{"users":{"x":"plain"}}', VersionId: 'v1' });
    const result = await run(['users', 'remove', 'x', '--secret-id', SECRET]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('users document is malformed: users.x: not a scrypt hash');
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });
});

describe('wslb users against a local users file', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'wslb-users-'));
    file = path.join(dir, 'users.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('add creates the file (mode 0600), add again is refused, --replace sets a new password', async () => {
    expect((await run(['users', 'add', 'alice', '--file', file], 'first-password\n')).code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const listed = JSON.parse((await run(['users', 'list', '--file', file, '--json'])).stdout);
    expect(listed.users).toEqual([
      { username: 'alice', scrypt: { N: 2 ** 17, r: 8, p: 1 }, deployedCost: true },
    ]);
    const first = parseUsers(readFileSync(file, 'utf8'));
    await expect(new ScryptUserStore(first).check('alice', 'first-password')).resolves.toBe(true);

    const again = await run(['users', 'add', 'alice', '--file', file], 'second-password');
    expect(again.code).toBe(1);
    expect(parseUsers(readFileSync(file, 'utf8'))).toEqual(first);

    expect((await run(['users', 'add', 'alice', '--file', file, '--replace'], 'second-password')).code).toBe(
      0,
    );
    const second = new ScryptUserStore(parseUsers(readFileSync(file, 'utf8')));
    await expect(second.check('alice', 'second-password')).resolves.toBe(true);
    await expect(second.check('alice', 'first-password')).resolves.toBe(false);
  });

  test('add says on stderr that scrypt runs before it runs, and keeps stdout empty for scripts', async () => {
    const result = await run(['users', 'add', 'alice', '--file', file], 'first-password\n');
    expect(result).toMatchObject({ code: 0, stdout: '' });
    expect(result.stderr.split('\n').filter(Boolean)).toEqual([
      'hashing the password (scrypt N=2^17)…',
      `added alice in file ${file}`,
    ]);
  });

  test('list and remove keep the other users; nothing but the document is left in the folder', async () => {
    const bob = await cheap('bob-password');
    writeFileSync(file, JSON.stringify({ users: { bob, carol: bob } }), { mode: 0o600 });
    expect(JSON.parse((await run(['users', 'list', '--file', file, '--json'])).stdout).users).toHaveLength(2);
    expect((await run(['users', 'remove', 'bob', '--file', file])).code).toBe(0);
    expect(parseUsers(readFileSync(file, 'utf8'))).toEqual({ users: { carol: bob } });
    expect(require('node:fs').readdirSync(dir)).toEqual(['users.json']);
  });

  test('a malformed file is reported and left as it was', async () => {
    writeFileSync(file, '{"users": [');
    const result = await run(['users', 'remove', 'bob', '--file', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`file ${file}: users document is not valid JSON`);
    expect(readFileSync(file, 'utf8')).toBe('{"users": [');
  });

  test('list or remove on a file that does not exist fails', async () => {
    const result = await run(['users', 'list', '--file', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`file ${file} does not exist`);
  });

  test('usage errors exit 2 and name the flag', async () => {
    const both = await run(['users', 'list', '--file', file, '--secret-id', SECRET]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('wslb users list: give exactly one of --secret-id and --file');
    const region = await run(['users', 'list', '--file', file, '--region', 'eu-west-1']);
    expect(region).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--region: applies only with --secret-id'),
    });
    const badRegion = await run(['users', 'list', '--secret-id', SECRET, '--region', 'Europe']);
    expect(badRegion.stderr).toContain('--region: got "Europe"; accepted: a region name like eu-west-1');
    const long = await run(['users', 'add', 'x'.repeat(129), '--file', file], 'long-enough-password');
    expect(long.code).toBe(2);
    expect(long.stderr).toContain('<username>: got');
  });
});
