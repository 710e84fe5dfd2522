import type { Logger } from 'pino';
import { Counter, Gauge, Registry } from 'prom-client';
import { type AuthService, createAuthService } from '../auth/auth-service';
import type { AuthRequest, AuthResponse } from '../auth/http-types';
import type { AuthSettings } from '../auth/settings';

/**
 * K independent auth handler instances behind one local HTTP server, as Lambda runs K execution
 * environments during a burst: each has its own registry view and pending picks; nothing is shared
 * but the registry. Each request goes to one instance at random. `/metrics` sums them.
 */
export class AuthInstances {
  private readonly metrics = new Registry();
  private readonly sessions = new Counter({
    name: 'wslb_auth_sessions_total',
    help: 'Session requests answered, by HTTP status',
    labelNames: ['status'],
    registers: [this.metrics],
  });

  /** Registry reads and items of instances replaced by `reconfigure`. */
  private retired = { itemsRead: 0, reads: 0 };

  private constructor(
    readonly instances: AuthService[],
    private readonly log: Logger,
  ) {
    const all = () => this.instances;
    const retired = () => this.retired;
    new Gauge({
      name: 'wslb_auth_registry_items_read_total',
      help: 'Registry items read by all instances (what DynamoDB bills)',
      registers: [this.metrics],
      collect() {
        this.set(all().reduce((sum, i) => sum + i.view.itemsRead, retired().itemsRead));
      },
    });
    new Gauge({
      name: 'wslb_auth_registry_reads_total',
      help: 'Registry reads (scans) by all instances',
      registers: [this.metrics],
      collect() {
        this.set(all().reduce((sum, i) => sum + i.view.reads, retired().reads));
      },
    });
    new Gauge({ name: 'wslb_auth_instances', help: 'Auth handler instances', registers: [this.metrics] }).set(
      instances.length,
    );
  }

  static async create(settings: AuthSettings, count: number, log: Logger): Promise<AuthInstances> {
    const instances = await Promise.all(
      Array.from({ length: count }, (_, i) => createAuthService(settings, log.child({ instance: i }))),
    );
    return new AuthInstances(instances, log);
  }

  /**
   * A configuration change, as Lambda applies one: as many new instances, built with `settings`, answer every
   * request from now on (their registry views start empty); the old ones finish what they answer and stop.
   */
  async reconfigure(settings: AuthSettings): Promise<void> {
    const fresh = await Promise.all(
      this.instances.map((_, i) => createAuthService(settings, this.log.child({ instance: i }))),
    );
    const old = this.instances.splice(0, this.instances.length, ...fresh);
    for (const i of old) {
      this.retired.itemsRead += i.view.itemsRead;
      this.retired.reads += i.view.reads;
      i.stop();
    }
  }

  /** Registry items read per issued session so far. */
  itemsReadPerSession(): { itemsRead: number; sessions: number } {
    const itemsRead = this.instances.reduce((sum, i) => sum + i.view.itemsRead, this.retired.itemsRead);
    return { itemsRead, sessions: this.issued };
  }

  private issued = 0;

  handle = async (req: AuthRequest): Promise<AuthResponse> => {
    if (req.method === 'GET' && req.path === '/metrics') {
      return {
        status: 200,
        headers: { 'content-type': this.metrics.contentType },
        body: await this.metrics.metrics(),
      };
    }
    const instance = this.instances[Math.floor(Math.random() * this.instances.length)];
    const res = await instance.handle(req);
    if (req.path === '/session') {
      this.sessions.inc({ status: String(res.status) });
      if (res.status === 200) this.issued += 1;
    }
    return res;
  };

  stop(): void {
    for (const i of this.instances) i.stop();
  }
}
