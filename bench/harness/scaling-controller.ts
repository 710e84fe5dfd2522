import { sleep } from '../../harness/stats';
import { checkPolicy, desiredCapacity, type TargetTrackingPolicy } from './target-tracking';

export interface ScalingControllerOptions {
  policy: TargetTrackingPolicy;
  /** One metric period, in ms (the deployed period divided by the run's time scale). */
  periodMs: number;
  /** How often the metric is sampled within a period, in ms. @default periodMs / 5 */
  sampleMs?: number;
  /** From a launch decision until the node's metric counts, in ms. */
  warmupMs: number;
  /** From a launch decision until the node process is started: the stand-in for EC2 boot, in ms. */
  launchDelayMs: number;
  /** Node ids running at the start: counted in the metric at once. */
  initialNodes: readonly string[];
  /** Connections per node id, as the nodes last reported them to the registry. */
  readConnections: () => Promise<ReadonlyMap<string, number>>;
  /** Start one node; resolves with its id once it takes clients. */
  launch: () => Promise<string>;
}

/** What the controller did, in ms since `start`. */
export type ScalingEvent =
  | { atMs: number; kind: 'scale-out'; from: number; to: number; datapoint: number }
  | { atMs: number; kind: 'launched'; nodeId: string }
  | { atMs: number; kind: 'launch-failed'; error: string };

interface Member {
  decidedAt: number;
  nodeId?: string;
}

/**
 * The node group's target tracking applied to local node processes: samples the connections per node from
 * the registry (the heartbeats the nodes write, the same count as their EMF `Connections` line), averages
 * each period over the nodes past warm-up, and after each period asks {@link desiredCapacity}; each node
 * added starts `launchDelayMs` later. Never scales in (the fleet scales in through the drain only).
 */
export class ScalingController {
  readonly events: ScalingEvent[] = [];
  /** Period averages, in order. */
  readonly datapoints: number[] = [];
  private readonly members: Member[];
  private readonly pending = new Set<Promise<void>>();
  private running = false;
  private loop?: Promise<void>;
  private startedAt = 0;

  constructor(private readonly o: ScalingControllerOptions) {
    checkPolicy(o.policy);
    if (!(o.periodMs > 0 && o.warmupMs >= 0 && o.launchDelayMs >= 0))
      throw new Error('periodMs must be > 0, warmupMs and launchDelayMs >= 0');
    this.members = o.initialNodes.map((nodeId) => ({ decidedAt: -Infinity, nodeId }));
  }

  /** Desired capacity: running, launching and warming nodes. */
  get desired(): number {
    return this.members.length;
  }

  /** Nodes whose launch was decided and that are not started yet. */
  get launching(): number {
    return this.members.filter((m) => m.nodeId === undefined).length;
  }

  start(): void {
    this.running = true;
    this.startedAt = Date.now();
    this.loop = this.run();
  }

  /** Stops deciding; resolves once every launch under way has started its node or failed. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await Promise.all([...this.pending]);
  }

  private elapsed(): number {
    return Date.now() - this.startedAt;
  }

  private async run(): Promise<void> {
    const sampleMs = this.o.sampleMs ?? this.o.periodMs / 5;
    let periodEnd = this.o.periodMs;
    let samples: number[] = [];
    for (let next = sampleMs; this.running; next += sampleMs) {
      await sleep(Math.max(0, next - this.elapsed()));
      if (!this.running) break;
      const sample = await this.sample();
      if (sample !== undefined) samples.push(sample);
      if (next < periodEnd) continue;
      periodEnd += this.o.periodMs;
      if (samples.length === 0) continue;
      this.decide(samples.reduce((a, b) => a + b, 0) / samples.length);
      samples = [];
    }
  }

  /** Mean connections over the counted nodes that reported; undefined when none did (or the read failed). */
  private async sample(): Promise<number | undefined> {
    const counted = new Set(this.counted().map((m) => m.nodeId));
    let reported: ReadonlyMap<string, number>;
    try {
      reported = await this.o.readConnections();
    } catch {
      return undefined;
    }
    const values = [...reported].filter(([id]) => counted.has(id)).map(([, n]) => n);
    return values.length ? values.reduce((a, b) => a + b, 0) / values.length : undefined;
  }

  private counted(): Member[] {
    const now = this.elapsed();
    return this.members.filter((m) => m.nodeId !== undefined && now - m.decidedAt >= this.o.warmupMs);
  }

  private decide(datapoint: number): void {
    this.datapoints.push(datapoint);
    const from = this.desired;
    const to = desiredCapacity(this.o.policy, {
      datapoints: this.datapoints,
      counted: this.counted().length,
      desired: from,
    });
    if (to <= from) return;
    this.events.push({ atMs: this.elapsed(), kind: 'scale-out', from, to, datapoint });
    for (let i = from; i < to; i++) this.add();
  }

  private add(): void {
    const member: Member = { decidedAt: this.elapsed() };
    this.members.push(member);
    const launch = (async () => {
      await sleep(this.o.launchDelayMs);
      try {
        member.nodeId = await this.o.launch();
        this.events.push({ atMs: this.elapsed(), kind: 'launched', nodeId: member.nodeId });
      } catch (err) {
        // A failed launch leaves the group short, as a failed EC2 launch does until the next activity.
        this.members.splice(this.members.indexOf(member), 1);
        this.events.push({ atMs: this.elapsed(), kind: 'launch-failed', error: (err as Error).message });
      }
    })();
    this.pending.add(launch);
    void launch.finally(() => this.pending.delete(launch));
  }
}
