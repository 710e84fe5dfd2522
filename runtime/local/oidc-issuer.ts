import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

export interface IssueOptions {
  subject: string;
  /** @default the issuer's default audience */
  audience?: string;
  /** Lifetime from now, in seconds (negative: already expired). @default 300 */
  expiresInSeconds?: number;
  /** Sign with this key id (see `addKey`). @default the newest published key */
  kid?: string;
  /** Put another `iss` in the token than this issuer's URL. */
  issuer?: string;
  /** More claims (email, name, …). */
  claims?: Record<string, unknown>;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  /** Served in the JWKS. */
  published: boolean;
}

/**
 * A stand-in OpenID provider on 127.0.0.1: `/.well-known/openid-configuration` and `/jwks.json`, RS256
 * keys it can rotate, and ID tokens for any subject. For the local cluster and tests; a deployment uses a
 * real issuer (a Cognito user pool, …).
 */
export class LocalOidcIssuer {
  private readonly keys: SigningKey[] = [];
  /** Requests for the JWKS so far (to see caching and refetches). */
  jwksRequests = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly audience: string,
  ) {}

  static async start(options: { audience?: string } = {}): Promise<LocalOidcIssuer> {
    let issuer: LocalOidcIssuer | undefined;
    const server = createServer((req, res) => issuer!.serve(req.url ?? '/', res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    issuer = new LocalOidcIssuer(server, url, options.audience ?? 'wslb-local');
    await issuer.addKey();
    return issuer;
  }

  get jwksUrl(): string {
    return `${this.url}/jwks.json`;
  }

  /** Make a new signing key (the newest published one signs by default); `publish: false` keeps it out of the JWKS. */
  async addKey(options: { publish?: boolean } = {}): Promise<string> {
    const kid = `k-${randomBytes(4).toString('hex')}`;
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
    this.keys.push({ kid, privateKey, publicJwk, published: options.publish ?? true });
    return kid;
  }

  /** Take a key out of the JWKS (the end of a rotation). */
  retireKey(kid: string): void {
    const key = this.keys.find((k) => k.kid === kid);
    if (key) key.published = false;
  }

  /** A signed ID token. */
  async issue(options: IssueOptions): Promise<string> {
    const key = options.kid
      ? this.keys.find((k) => k.kid === options.kid)
      : this.keys.filter((k) => k.published).at(-1);
    if (!key) throw new Error(`no key ${options.kid}`);
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ ...options.claims })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
      .setIssuer(options.issuer ?? this.url)
      .setAudience(options.audience ?? this.audience)
      .setSubject(options.subject)
      .setIssuedAt(now)
      .setExpirationTime(now + (options.expiresInSeconds ?? 300))
      .sign(key.privateKey);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(path: string, res: import('node:http').ServerResponse): void {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'max-age=60' });
      res.end(JSON.stringify(body));
    };
    if (path === '/.well-known/openid-configuration') {
      send(200, {
        issuer: this.url,
        jwks_uri: this.jwksUrl,
        id_token_signing_alg_values_supported: ['RS256'],
        subject_types_supported: ['public'],
        response_types_supported: ['id_token'],
      });
    } else if (path === '/jwks.json') {
      this.jwksRequests += 1;
      send(200, { keys: this.keys.filter((k) => k.published).map((k) => k.publicJwk) });
    } else {
      send(404, { error: 'not found' });
    }
  }
}
