import { BACKEND_NAME, type RenderedServer } from '../render/render-haproxy';
import { cliCommand } from './master-cli';

/** Adds and removes `server` lines of the running worker, without a reload. */
export interface RuntimeServers {
  add(server: RenderedServer): Promise<void>;
  /**
   * Maintenance (no new connections; established ones go on), then delete: false while HAProxy will not
   * delete it yet because it still holds sessions. Call again later; it is idempotent.
   */
  remove(name: string): Promise<boolean>;
}

export class RuntimeApiError extends Error {}

/**
 * The runtime API on the worker's `stats socket` (level admin). A server added here starts in maintenance
 * with its health check off, so it is enabled in two steps; removal goes through maintenance because
 * HAProxy deletes only a server that is in maintenance and holds no session, which also lets the
 * WebSockets it still carries finish as they would on the old worker after a reload.
 */
export class SocketRuntimeServers implements RuntimeServers {
  constructor(
    private readonly socketPath: string,
    private readonly backend = BACKEND_NAME,
  ) {}

  async add(server: RenderedServer): Promise<void> {
    const id = `${this.backend}/${server.name}`;
    await this.expect(`add server ${id} ${server.runtimeArgs}`, /^New server registered\.$/);
    await this.expect(`enable health ${id}`, /^$/);
    await this.expect(`enable server ${id}`, /^$/);
  }

  async remove(name: string): Promise<boolean> {
    const id = `${this.backend}/${name}`;
    await this.expect(`set server ${id} state maint`, /^$/);
    const answer = await this.command(`del server ${id}`);
    return /^Server deleted\.$/.test(answer);
  }

  private async command(line: string): Promise<string> {
    return (await cliCommand(this.socketPath, line)).trim();
  }

  private async expect(line: string, ok: RegExp): Promise<void> {
    const answer = await this.command(line);
    if (!ok.test(answer)) throw new RuntimeApiError(`haproxy runtime API: "${line}" answered "${answer}"`);
  }
}
