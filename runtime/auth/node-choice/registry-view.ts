import { FRESHNESS_MS, REGISTRY_CACHE_MS } from '../../contract/defaults';
import type { NodeRecord, NodeRegistry } from '../../registry';

export interface RegistryViewOptions {
  /** Refresh the view at most this often. @default REGISTRY_CACHE_MS (1,000) */
  cacheMs?: number;
  /** An entry whose heartbeat is older than this is never offered, cached or not. @default FRESHNESS_MS (6,000) */
  freshnessMs?: number;
  /** @default Date.now */
  now?: () => number;
  /** Called with every view read from the registry. */
  onRefresh?: (nodes: NodeRecord[]) => void;
}

/**
 * This auth instance's cached view of the registry. At most one read is in flight and concurrent logins
 * share it; a view younger than `cacheMs` is used as is; an older one that is still within the
 * freshness window is served at once while a refresh runs in the background, so a login waits for the
 * registry only when the instance has no usable view at all, or when entries of its view have aged out
 * of the window since they were read.
 */
export class RegistryView {
  /** The last view read, and how many of its entries were fresh when it was read. */
  private cached?: { at: number; nodes: NodeRecord[]; freshWhenRead: number };
  private inFlight?: Promise<NodeRecord[]>;
  private readonly cacheMs: number;
  private readonly freshnessMs: number;
  private readonly now: () => number;
  private readonly onRefresh?: (nodes: NodeRecord[]) => void;
  /** Registry items read so far (what DynamoDB bills), for metrics and logs. */
  itemsRead = 0;
  reads = 0;

  constructor(
    private readonly registry: NodeRegistry,
    options: RegistryViewOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? REGISTRY_CACHE_MS;
    this.freshnessMs = options.freshnessMs ?? FRESHNESS_MS;
    this.now = options.now ?? Date.now;
    this.onRefresh = options.onRefresh;
  }

  async nodes(): Promise<NodeRecord[]> {
    const now = this.now();
    const age = this.cached ? now - this.cached.at : Number.POSITIVE_INFINITY;
    if (age < this.cacheMs) return this.fresh(this.cached!.nodes, now);
    if (age < this.freshnessMs) {
      const cached = this.cached!;
      const served = this.fresh(cached.nodes, now);
      if (served.length < cached.freshWhenRead) {
        // Entries that were fresh when read have aged out while cached, though their nodes have most likely
        // heartbeated since: read again rather than offer fewer nodes (or none: a 503 with healthy nodes).
        try {
          return this.fresh(await this.refresh(), this.now());
        } catch (err) {
          if (served.length === 0) throw err;
          return served;
        }
      }
      // Serve the view we have; a failed background refresh is retried on the next login.
      this.refresh().catch(() => {});
      return served;
    }
    return this.fresh(await this.refresh(), this.now());
  }

  private refresh(): Promise<NodeRecord[]> {
    this.inFlight ??= this.registry
      .read()
      .then(({ nodes, itemsRead }) => {
        this.itemsRead += itemsRead;
        this.reads += 1;
        const at = this.now();
        this.cached = { at, nodes, freshWhenRead: this.fresh(nodes, at).length };
        this.onRefresh?.(nodes);
        return nodes;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  private fresh(nodes: NodeRecord[], now: number): NodeRecord[] {
    return nodes.filter((n) => n.heartbeatAt >= now - this.freshnessMs);
  }
}
