import { parseLocalArgs } from '../../../runtime/local/args';
import { LocalCluster } from '../../../runtime/local/local-cluster';
import { LocalOidcIssuer } from '../../../runtime/local/oidc-issuer';
import { tryOpen } from '../../helpers/ws-client';

jest.setTimeout(180_000);

describe('npm start -- --oidc-issuer', () => {
  it('parses the issuer flags and refuses what cannot work, naming the flag', () => {
    expect(parseLocalArgs(['--oidc-issuer', 'local'])['oidc-issuer']).toBe('local');
    expect(
      parseLocalArgs(['--oidc-issuer', 'https://idp.example.com', '--oidc-audience', 'client-1']),
    ).toMatchObject({ 'oidc-issuer': 'https://idp.example.com', 'oidc-audience': 'client-1' });
    expect(() => parseLocalArgs(['--oidc-issuer', 'https://idp.example.com'])).toThrow(
      '--oidc-audience: required with an --oidc-issuer URL',
    );
    expect(() => parseLocalArgs(['--oidc-issuer', 'http://idp.example.com', '--oidc-audience', 'a'])).toThrow(
      /--oidc-issuer: /,
    );
    expect(() => parseLocalArgs(['--oidc-audience', 'a'])).toThrow('only with --oidc-issuer');
  });
});

describe('a local cluster with the local OIDC issuer (npm start -- --oidc-issuer local)', () => {
  let cluster: LocalCluster | undefined;
  let stranger: LocalOidcIssuer | undefined;

  beforeAll(async () => {
    cluster = await LocalCluster.start({ strategy: 'direct', nodes: 1, heartbeatMs: 500, oidc: 'local' });
    stranger = await LocalOidcIssuer.start();
  });
  afterAll(async () => {
    await cluster?.stop();
    await stranger?.stop();
  });

  const bearer = (token: string) =>
    fetch(`${cluster!.authUrl}/session`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

  it('logs in with an ID token of the issuer, and the node admits the wslb token it gets', async () => {
    const res = await bearer(await cluster!.oidcIssuer!.issue({ subject: 'carol' }));
    expect(res.status).toBe(200);
    const { url, token } = (await res.json()) as { url: string; token: string };
    const opened = await tryOpen(url, { protocols: ['wslb', `token.${token}`] });
    expect(opened.status).toBeUndefined();
    opened.ws!.close();
  });

  it('refuses an ID token of another issuer with 401, and the demo password login still works', async () => {
    const res = await bearer(
      await stranger!.issue({ subject: 'carol', audience: cluster!.oidcIssuer!.audience }),
    );
    expect(res.status).toBe(401);
    const { username, password } = cluster!.credentials;
    const login = await fetch(`${cluster!.authUrl}/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    expect(login.status).toBe(200);
  });
});
