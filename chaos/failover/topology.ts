import { execFileSync } from 'node:child_process';
import { createNamespace, deleteNamespaceSync } from '../../runtime/local/netns';

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe', timeout: 30_000 }).toString();

export interface Side {
  name: 'a' | 'b';
  ns: string;
  addr: string;
  eni: string;
  priority: number;
}

export interface Topology {
  subnet: string;
  vip: string;
  hub: string;
  world: string;
  worldAddr: string;
  sides: [Side, Side];
  linkDown(side: Side): void;
  linkUp(side: Side): void;
  /** Drops everything between a and b (VRRP included); both still reach the world (EC2). */
  separate(): void;
  rejoin(): void;
  holdsVip(side: Side): boolean;
  remove(): void;
}

/**
 * Four namespaces: a hub holding a bridge, the two HAProxy instances (a, b) and the "world" (clients, nodes,
 * the EC2 stand-in), each joined to the bridge by a veth created inside the hub. Addresses from
 * 198.18.0.0/15; no namespace has a route out, and the machine's own namespace is never touched.
 */
export async function buildTopology(): Promise<Topology> {
  const subnet = `198.18.${(process.pid % 200) + 30}`;
  const made: string[] = [];
  try {
    const hub = await createNamespace('chaos-hub');
    made.push(hub);
    const [a, b, world] = [
      await createNamespace('chaos-a'),
      await createNamespace('chaos-b'),
      await createNamespace('chaos-w'),
    ];
    made.push(a, b, world);
    ip('-n', hub, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', hub, 'link', 'set', 'br0', 'up');
    const join = (ns: string, tag: string, addr: string) => {
      ip('-n', hub, 'link', 'add', `h${tag}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      ip('-n', hub, 'link', 'set', `h${tag}`, 'master', 'br0', 'up');
      ip('-n', ns, 'addr', 'add', `${addr}/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
    };
    join(a, 'a', `${subnet}.1`);
    join(b, 'b', `${subnet}.2`);
    join(world, 'w', `${subnet}.3`);
    const vip = `${subnet}.100`;
    const sides: [Side, Side] = [
      { name: 'a', ns: a, addr: `${subnet}.1`, eni: 'eni-0aaa0000000000001', priority: 150 },
      { name: 'b', ns: b, addr: `${subnet}.2`, eni: 'eni-0bbb0000000000002', priority: 100 },
    ];
    return {
      subnet,
      vip,
      hub,
      world,
      worldAddr: `${subnet}.3`,
      sides,
      linkDown: (s) => ip('-n', s.ns, 'link', 'set', 'eth0', 'down'),
      linkUp: (s) => ip('-n', s.ns, 'link', 'set', 'eth0', 'up'),
      // Isolated bridge ports do not forward to each other, only to the others (the world).
      separate: () => {
        for (const tag of ['a', 'b'])
          ip('-n', hub, 'link', 'set', `h${tag}`, 'type', 'bridge_slave', 'isolated', 'on');
      },
      rejoin: () => {
        for (const tag of ['a', 'b'])
          ip('-n', hub, 'link', 'set', `h${tag}`, 'type', 'bridge_slave', 'isolated', 'off');
      },
      holdsVip: (s) => ip('-n', s.ns, '-4', 'addr', 'show', 'dev', 'eth0').includes(`${vip}/32`),
      remove: () => {
        for (const ns of made.reverse()) deleteNamespaceSync(ns);
      },
    };
  } catch (err) {
    for (const ns of made.reverse()) deleteNamespaceSync(ns);
    throw err;
  }
}
