import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { main } from '../../cli/main';
import { parseLocalArgs } from '../../runtime/local/args';
import { LocalCluster } from '../../runtime/local/local-cluster';
import { createLocalSecrets } from '../../runtime/local/local-secrets';
import { RunDir } from '../../runtime/local/run-dir';
import { captureIo } from './capture-io';

jest.setTimeout(180_000);

const login = (authUrl: string, username: string, password: string) =>
  fetch(`${authUrl}/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });

describe('a local cluster with users from `wslb users add --file` (npm start -- --users FILE)', () => {
  let dir: string;
  let usersFile: string;
  let cluster: LocalCluster | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'wslb-cli-cluster-'));
    usersFile = path.join(dir, 'users.json');
    const capture = captureIo({ stdin: 'alice-password\n' });
    expect(await main(['users', 'add', 'alice', '--file', usersFile], capture.io)).toBe(0);
    cluster = await LocalCluster.start({ strategy: 'direct', nodes: 2, heartbeatMs: 500, usersFile });
  });
  afterAll(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the file user logs in with the password given to the CLI; a wrong one is refused', async () => {
    const ok = await login(cluster!.authUrl, 'alice', 'alice-password');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+/) });
    expect((await login(cluster!.authUrl, 'alice', 'alice-passwore')).status).toBe(401);
    // The demo user is still there for the demo clients.
    const { username, password } = cluster!.credentials;
    expect((await login(cluster!.authUrl, username, password)).status).toBe(200);
  });

  test('wslb status reads the cluster registry: both nodes fresh and offered', async () => {
    const capture = captureIo();
    const code = await main(
      ['status', '--endpoint', cluster!.registryEndpoint, '--table-name', cluster!.registryTable, '--json'],
      capture.io,
    );
    expect(code).toBe(0);
    const status = JSON.parse(capture.stdout());
    expect(status.nodes.map((n: { nodeId: string }) => n.nodeId).sort()).toEqual(
      cluster!.nodes.map((n) => n.nodeId).sort(),
    );
    for (const n of status.nodes) expect(n).toMatchObject({ state: 'active', offered: true });
  });
});

describe('the local users file option', () => {
  test('npm start -- --users FILE is parsed', () => {
    expect(parseLocalArgs(['--users', 'u.json']).users).toBe('u.json');
    expect(parseLocalArgs([]).users).toBeUndefined();
  });

  test('a file that names the demo user, or is not a users document, stops the start with the file named', async () => {
    const run = new RunDir();
    try {
      const demo = run.writeSecret('demo.json', JSON.stringify({ users: { demo: 'x' } }));
      await expect(createLocalSecrets(run, { usersFile: demo })).rejects.toThrow(
        `users file ${demo}: users document is malformed`,
      );
      const valid = (await createLocalSecrets(run)).usersFile;
      const own = run.writeSecret('own.json', require('node:fs').readFileSync(valid, 'utf8'));
      await expect(createLocalSecrets(run, { usersFile: own })).rejects.toThrow(
        `users file ${own}: demo is made by the local cluster itself; use another name`,
      );
      await expect(
        createLocalSecrets(run, { usersFile: path.join(run.path, 'missing.json') }),
      ).rejects.toThrow(/users file .*missing\.json: ENOENT/);
      writeFileSync(path.join(run.path, 'bad.json'), '{');
      await expect(createLocalSecrets(run, { usersFile: path.join(run.path, 'bad.json') })).rejects.toThrow(
        'users document is not valid JSON',
      );
    } finally {
      run.remove();
    }
  });
});
