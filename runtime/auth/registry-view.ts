import type { NodeRecord, NodeRegistry } from '../registry';

/**
 * A cached read of the registry: at most one read in flight, shared by concurrent logins, and reused
 * for `maxAgeMs`. Keeps a burst of logins from turning into a burst of registry scans.
 */
export class RegistryView {
  private cached?: { at: number; nodes: NodeRecord[] };
  private inFlight?: Promise<NodeRecord[]>;
  itemsRead = 0;

  constructor(
    private readonly registry: NodeRegistry,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async nodes(): Promise<NodeRecord[]> {
    if (this.cached && this.now() - this.cached.at < this.maxAgeMs) return this.cached.nodes;
    this.inFlight ??= this.registry
      .list()
      .then((nodes) => {
        this.itemsRead += nodes.length;
        this.cached = { at: this.now(), nodes };
        return nodes;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}
