import { appendPath } from '../contract/url';

/** Minimal IMDSv2 client: a session token first, then GETs with it. */
export interface ImdsOptions {
  /** @default http://169.254.169.254 */
  endpoint?: string;
  fetch?: typeof fetch;
  /** @default 2_000 */
  timeoutMs?: number;
}

export class Imds {
  private token: string | undefined;
  private readonly endpoint: string;
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;

  constructor(options: ImdsOptions = {}) {
    this.endpoint = options.endpoint ?? 'http://169.254.169.254';
    this.fetchFn = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 2_000;
  }

  private async sessionToken(): Promise<string> {
    if (this.token) return this.token;
    const res = await this.fetchFn(appendPath(this.endpoint, 'latest/api/token'), {
      method: 'PUT',
      headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '21600' },
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) throw new Error(`IMDS token: HTTP ${res.status}`);
    this.token = await res.text();
    return this.token;
  }

  async get(path: string): Promise<string> {
    const res = await this.fetchFn(appendPath(this.endpoint, `latest/meta-data/${path}`), {
      headers: { 'X-aws-ec2-metadata-token': await this.sessionToken() },
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) throw new Error(`IMDS ${path}: HTTP ${res.status}`);
    return (await res.text()).trim();
  }

  instanceId(): Promise<string> {
    return this.get('instance-id');
  }

  /** The primary ENI's id (device 0's MAC). */
  async primaryInterfaceId(): Promise<string> {
    const mac = await this.get('mac');
    return this.get(`network/interfaces/macs/${mac}/interface-id`);
  }

  /** Every private IPv4 on the primary ENI, the primary address first. */
  async privateIpv4s(): Promise<string[]> {
    const mac = await this.get('mac');
    const text = await this.get(`network/interfaces/macs/${mac}/local-ipv4s`);
    return text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  }
}
