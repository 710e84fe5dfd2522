import { randomBytes } from 'node:crypto';
import { access, readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { Logger } from '../../shared/log';
import type { BackendSource } from '../discovery/backend-source';
import { type Backend, backendSetKey } from '../render/backend';
import type { RenderedHaproxy, RenderedServer } from '../render/render-haproxy';
import type { ConfigCheck } from './haproxy-binary';
import type { Reloader } from './reloader';
import type { RuntimeServers } from './runtime-servers';

export type SyncResult =
  | 'unchanged'
  | 'written'
  | 'reloaded'
  | 'updated-live'
  | 'skipped-empty'
  | 'invalid'
  | 'error';

export interface AgentOptions {
  source: BackendSource;
  /** Backends → config text; the static part (listen port, source IPs, ...) is closed over. */
  render: (backends: Backend[]) => RenderedHaproxy;
  /** The live config HAProxy reads. The candidate is written next to it, then renamed over it. */
  configPath: string;
  /** `haproxy -c` on the candidate. */
  check: (file: string) => Promise<ConfigCheck>;
  reloader: Reloader;
  /**
   * When given, a change that only adds or removes whole `server` lines is applied to the running worker
   * through the runtime API (the file is written too) instead of a reload: a reload starts a worker that
   * counts no connection, so `leastconn` would spread new clients evenly instead of filling a new node
   * (docs/decisions/0054-haproxy-runtime-server-changes.md). Anything else, or a failed command, reloads.
   */
  runtime?: RuntimeServers;
  logger: Logger;
  /** @default 10_000 */
  pollMs?: number;
  /**
   * Apply an empty list while backends are configured. A tag typo or an IAM slip would otherwise empty the
   * whole pool, so by default an empty answer keeps the current set. @default false
   */
  allowEmpty?: boolean;
}

/**
 * Discovery loop: list → compare with the applied set → render → `haproxy -c` → atomic rename → reload.
 * Reloads only when the set changed and the rendered text differs from the file on disk.
 */
export class Agent {
  private appliedKey: string | undefined;
  private appliedCount = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<SyncResult> | undefined;
  private stopped = false;
  /** A reload was attempted and not confirmed: the file on disk may be newer than what HAProxy runs. */
  private reloadPending = false;
  /** The server lines the running worker has (name → config args); unknown until this agent applied a set. */
  private liveServers: Map<string, string> | undefined;
  /** Removed through the runtime API but still holding sessions: in maintenance, deleted once empty. */
  private readonly lingering = new Set<string>();

  private lastFailure: string | undefined;

  constructor(private readonly options: AgentOptions) {}

  /**
   * Why the last round applied nothing: the error (discovery, render, write, reload) or `haproxy -c`'s
   * output for a refused config. Undefined after a round that applied or had nothing to apply.
   */
  get failure(): string | undefined {
    return this.lastFailure;
  }

  /** One round; concurrent callers share the round in progress. */
  syncOnce(): Promise<SyncResult> {
    if (!this.inFlight) {
      this.inFlight = this.round().finally(() => {
        this.inFlight = undefined;
      });
    }
    return this.inFlight;
  }

  private async round(): Promise<SyncResult> {
    const result = await this.attempt();
    if (result !== 'error' && result !== 'invalid') this.lastFailure = undefined;
    return result;
  }

  private async attempt(): Promise<SyncResult> {
    const { logger } = this.options;
    let backends: Backend[];
    try {
      backends = await this.options.source.list();
    } catch (error) {
      logger.error(
        { event: 'discovery_failed', err: error },
        'backend discovery failed; keeping the current config',
      );
      if (this.appliedKey !== undefined || (await this.configExists())) {
        this.lastFailure = `discovery failed: ${errorText(error)}`;
        return 'error';
      }
      // No config at all yet (first boot): write one without servers so HAProxy can start and answer 503.
      backends = [];
    }
    await this.deleteLingering();
    const key = backendSetKey(backends);
    if (key === this.appliedKey) return 'unchanged';
    if (backends.length === 0 && this.appliedCount > 0 && !this.options.allowEmpty) {
      logger.warn(
        { event: 'empty_discovery', applied: this.appliedCount },
        'discovery found no backends; ignored',
      );
      return 'skipped-empty';
    }
    try {
      const result = await this.apply(backends);
      if (result !== 'invalid') {
        this.appliedKey = key;
        this.appliedCount = backends.length;
      }
      return result;
    } catch (error) {
      logger.error({ event: 'apply_failed', err: error }, 'could not apply the new backend set');
      this.lastFailure = errorText(error);
      return 'error';
    }
  }

  private configExists(): Promise<boolean> {
    return access(this.options.configPath).then(
      () => true,
      () => false,
    );
  }

  private async apply(backends: Backend[]): Promise<SyncResult> {
    const { configPath, logger } = this.options;
    const rendered = this.options.render(backends);
    for (const warning of rendered.warnings) logger.warn({ event: 'render_warning' }, warning);
    const current = await readFile(configPath, 'utf8').catch(() => undefined);
    const running = await this.options.reloader.running();
    if (current === rendered.text && running && !this.reloadPending) {
      logger.info({ event: 'config_current', backends: backends.length }, 'config on disk already matches');
      return 'unchanged';
    }
    const candidate = `${configPath}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(candidate, rendered.text, { mode: 0o644 });
      const check = await this.options.check(candidate);
      if (!check.ok) {
        logger.error(
          { event: 'config_invalid', output: check.output },
          'haproxy -c refused the rendered config',
        );
        this.lastFailure = `haproxy -c refused the rendered config:\n${check.output}`;
        return 'invalid';
      }
      await rename(candidate, configPath);
    } finally {
      await rm(candidate, { force: true });
    }
    const ids = backends.map((b) => b.id);
    const servers = new Map(rendered.servers.map((srv) => [srv.name, srv.args]));
    if (!running) {
      logger.info(
        { event: 'config_written', backends: ids },
        'haproxy not running; config written for its start',
      );
      this.liveServers = servers;
      return 'written';
    }
    const delta = this.liveDelta(rendered.servers);
    if (delta) {
      try {
        await this.applyLive(delta);
        this.liveServers = servers;
        logger.info(
          {
            event: 'servers_changed_live',
            backends: ids,
            added: delta.added.map((srv) => srv.name),
            removed: delta.removed,
          },
          'backend set changed; server lines changed through the runtime API, no reload',
        );
        return 'updated-live';
      } catch (error) {
        logger.warn({ event: 'runtime_api_failed', err: error }, 'runtime API change failed; reloading');
      }
    }
    this.reloadPending = true;
    await this.options.reloader.reload();
    this.reloadPending = false;
    this.liveServers = servers;
    this.lingering.clear();
    logger.info({ event: 'reloaded', backends: ids }, 'backend set changed; haproxy reloaded');
    return 'reloaded';
  }

  /** Whole lines added or removed, nothing else changed; undefined when only a reload can apply it. */
  private liveDelta(next: RenderedServer[]): { added: RenderedServer[]; removed: string[] } | undefined {
    const live = this.liveServers;
    if (!this.options.runtime || !live || this.reloadPending) return undefined;
    const names = new Set(next.map((srv) => srv.name));
    if (next.some((srv) => live.has(srv.name) && live.get(srv.name) !== srv.args)) return undefined;
    // A name still lingering in maintenance cannot be added again; the reload starts clean.
    if (next.some((srv) => this.lingering.has(srv.name))) return undefined;
    const added = next.filter((srv) => !live.has(srv.name));
    // Later lines of a node track its first line: delete them before the line they follow.
    const removed = [...live.keys()].filter((name) => !names.has(name)).reverse();
    if (added.length === 0 && removed.length === 0) return undefined;
    return { added, removed };
  }

  private async applyLive(delta: { added: RenderedServer[]; removed: string[] }): Promise<void> {
    const runtime = this.options.runtime!;
    for (const server of delta.added) await runtime.add(server);
    for (const name of delta.removed) {
      if (!(await runtime.remove(name))) this.lingering.add(name);
    }
  }

  /** Retry deleting servers that still held sessions; errors wait for the next round. */
  private async deleteLingering(): Promise<void> {
    const runtime = this.options.runtime;
    if (!runtime || this.lingering.size === 0) return;
    for (const name of [...this.lingering]) {
      try {
        if (await runtime.remove(name)) this.lingering.delete(name);
      } catch (error) {
        this.options.logger.warn({ event: 'server_delete_failed', server: name, err: error }, 'will retry');
      }
    }
  }

  /** Sync now, then every poll interval until stop(). */
  start(): void {
    this.stopped = false;
    const tick = async () => {
      await this.syncOnce();
      if (!this.stopped) this.timer = setTimeout(tick, this.options.pollMs ?? 10_000);
    };
    void tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.inFlight;
  }
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));
