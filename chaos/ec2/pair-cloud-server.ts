import { createInterface } from 'node:readline';
import { PairCloud } from './autoscaling-state';
import type { Ec2State } from './ec2-state';
import { startRecorder } from './recording-server';

/** What the roll scenario asks the stand-in to do, one JSON object per stdin line. */
export type CloudCommand =
  /** A deploy gave the launch template a new version: every group launches it from now on. */
  | { op: 'version'; version: string }
  /** The group launches an instance; it waits in its launch hook. */
  | { op: 'launch'; group: string; id: string }
  /** The group terminates an instance; it waits in its termination hook. */
  | { op: 'terminate'; id: string }
  /** The instance is gone. */
  | { op: 'remove'; id: string };

/**
 * EC2, Auto Scaling and IMDS for the pair roll scenario, as one process in the world namespace:
 * `pair-cloud-server.ts <host> <launch hook> <terminate hook> <group>...`. The VIP and the Elastic IP
 * start on no ENI (the first MASTER's failover program claims them). Prints `{port}`, then one JSON line per
 * API call (`{at, action, params, status}`) and one `{done: op}` line per command applied from stdin.
 */
if (require.main === module) {
  const [host, launch, terminate, ...groups] = process.argv.slice(2);
  const state: Ec2State = {
    privateIps: new Map(),
    address: { allocationId: 'eipalloc-0c4a05e1', publicIp: '198.18.255.1' },
  };
  const cloud = new PairCloud(groups, { launch: launch!, terminate: terminate! });
  const print = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`);
  void startRecorder(host!, state, print, cloud).then(({ port }) => {
    print({ port });
    createInterface({ input: process.stdin }).on('line', (line) => {
      const command = JSON.parse(line) as CloudCommand;
      if (command.op === 'version') for (const group of groups) cloud.versions.set(group, command.version);
      else if (command.op === 'launch') cloud.launch(command.group, command.id);
      else if (command.op === 'terminate') cloud.terminate(command.id);
      else cloud.remove(command.id);
      print({ at: Date.now(), done: command.op, ...command });
    });
  });
  setTimeout(() => process.exit(0), 600_000).unref();
}
