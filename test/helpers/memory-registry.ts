import type { NodeHeartbeat, NodeRecord, NodeRegistry } from '../../runtime/registry';

/** Keeps what a node registers, as the auth service would read it (tests of one node, no registry server). */
export class MemoryRegistry implements NodeRegistry {
  readonly beats: NodeHeartbeat[] = [];
  async heartbeat(node: NodeHeartbeat) {
    this.beats.push(node);
  }
  async list(): Promise<NodeRecord[]> {
    return [];
  }
  async read() {
    return { nodes: [], itemsRead: 0 };
  }
  async remove() {}
  async setDraining() {}
}
