import './quiet-sdk-warning';
import { readFileSync } from 'node:fs';
import { counted } from '../shared/plural';
import { type AdminServer, startAdminServer } from './admin-server';
import { HelpRequested, parseLocalArgs } from './args';
import { ClientFleet } from './client-fleet';
import { LocalCluster } from './local-cluster';
import { currentNamespace, runSelfInNamespace } from './netns';
import { chooseNlbStandIn } from './nlb';
import { peerAddresses } from './peers';
import { formatTable, toSummary } from './summary';
import { runSwitch, type SwitchOutcome, switchPassed } from './switch-run';

/** Demo clients connect from this loopback address under `nlb`, to show that no proxy is in the path. */
const DEMO_CLIENT_ADDRESS = '127.0.5.5';

/** `npm start`: the local cluster with a demo load, until Ctrl-C (or once, with --once). */
async function main(): Promise<number> {
  let args: ReturnType<typeof parseLocalArgs>;
  try {
    args = parseLocalArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof HelpRequested) {
      process.stdout.write(`${err.message}\n`);
      return 0;
    }
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const say = (text: string) => process.stderr.write(`${text}\n`);
  // With --tls the NLB stand-in is HAProxy terminating TLS in tcp mode: no namespace needed.
  if ((args.strategy === 'nlb' || args['switch-to'] === 'nlb') && !args.tls && !currentNamespace()) {
    const choice = chooseNlbStandIn();
    if (choice.kind === 'kernel') {
      // Re-run this command inside a fresh network namespace, where the kernel balancer may be programmed.
      return runSelfInNamespace({
        onNamespace: (ns) => say(`running inside network namespace ${ns} (removed on exit)`),
      });
    }
    say(`no network namespace (${choice.reason}): the NLB stand-in is HAProxy in tcp mode instead`);
  }
  const namespace = currentNamespace();
  const inNs = (cmd: string) => (namespace ? `ip netns exec ${namespace} ${cmd}` : cmd);
  say(`starting the local cluster: strategy ${args.strategy}, ${counted(args.nodes, 'node')}`);
  // Installed before the cluster starts: a signal during the start is kept and acted on once it has started
  // (its processes and run folder exist only then), instead of ending this process and orphaning the nodes.
  // An interrupted --once run has not shown what it was asked to, so it does not exit 0.
  const interruptCode = args.once ? 130 : 0;
  let onSignal = () => {
    interrupted = true;
  };
  let interrupted = false;
  process.on('SIGINT', () => onSignal());
  process.on('SIGTERM', () => onSignal());
  const cluster = await LocalCluster.start({
    strategy: args.strategy,
    nodes: args.nodes,
    maxConnectionsPerNode: args['max-connections'],
    authInstances: args['auth-instances'],
    haproxySourceIps: args['source-ips'],
    usersFile: args.users,
    oidc: oidcOption(args),
    tls: args.tls,
    app: args.app,
    upstreamUrl: args.upstream,
  });
  let fleet: ClientFleet | undefined;
  let admin: AdminServer | undefined;
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    fleet?.closeAll();
    await admin?.close();
    await cluster.stop();
    process.exit(code);
  };
  onSignal = () => void shutdown(interruptCode);
  if (interrupted) {
    say('interrupted while starting: stopping the cluster');
    await shutdown(interruptCode);
  }
  try {
    say(`auth service ${cluster.authUrl}; logs in ${cluster.runDir}`);
    say(
      `registry: ${inNs(`npx wslb status --endpoint ${cluster.registryEndpoint} --table-name ${cluster.registryTable}`)}`,
    );
    if (cluster.tlsCaFile) {
      say(
        `wss on every path; trust this run's CA: ${cluster.tlsCaFile} (NODE_EXTRA_CA_CERTS, curl --cacert)`,
      );
    }
    if (args.app) say(`nodes host the app ${args.app}`);
    if (args.upstream) say(`nodes pipe every client to the upstream ${args.upstream}`);
    if (args.users) say(`users from ${args.users} may log in besides the demo user`);
    if (args['oidc-issuer'])
      say(`ID tokens of ${cluster.oidcIssuer?.url ?? args['oidc-issuer']} log in as Bearer`);
    if (cluster.haproxy)
      say(
        `haproxy ${cluster.haproxy.url} (stats ${cluster.haproxy.statsUrl}), source IPs ${cluster.sourceIps.join(', ')}`,
      );
    fleet = new ClientFleet({
      authUrl: cluster.authUrl,
      credentials: cluster.credentials,
      // Behind the NLB stand-in, nodes should see this address: the client's own, as an NLB preserves it.
      wsOptions: {
        ...(cluster.nlb ? { localAddress: DEMO_CLIENT_ADDRESS } : {}),
        ...(cluster.tlsCaFile ? { ca: readFileSync(cluster.tlsCaFile) } : {}),
      },
      onProgress: (opened, requested) => {
        if (opened % 250 === 0 || opened === requested) say(`  connected ${opened}/${requested}`);
      },
    });
    const { connected, failed, failures } = await fleet.open(args.clients);
    if (failed > 0) {
      say(`  ${failed} of ${counted(args.clients, 'client')} did not connect:`);
      for (const [reason, n] of Object.entries(failures)) say(`    ${n}× ${reason}`);
    }
    let switched: SwitchOutcome | undefined;
    const to = args['switch-to'];
    if (to) {
      say(
        `switching ${counted(connected, 'client')} from ${args.strategy} to ${to}; the nodes move them over the drain window`,
      );
      switched = await runSwitch(cluster, fleet, to, {
        timeoutMs: cluster.options.drainSeconds * 1000 + 30_000,
        onProgress: (moved, total) => {
          if (moved === total || moved % 250 === 0) say(`  on ${to}: ${moved}/${total}`);
        },
      });
    }
    if (switched?.failed) say(switched.failed.error);
    // One heartbeat later every node has reported its final count.
    await new Promise((r) => setTimeout(r, 300));
    const { itemsRead, sessions } = cluster.auth.itemsReadPerSession();
    const summary = toSummary(
      cluster.currentPath.strategy,
      args.clients,
      connected,
      await cluster.nodeCounts(),
      {
        instances: args['auth-instances'],
        sessions,
        registryItemsRead: itemsRead,
      },
      failures,
    );
    if (cluster.nlb) {
      summary.nlb = { standIn: cluster.nlb.kind, url: cluster.nlb.url, ...(namespace ? { namespace } : {}) };
    }
    if (cluster.haproxy || cluster.nlb) {
      for (const node of summary.nodes) {
        const port = cluster.nodes.find((n) => n.nodeId === node.id)?.port;
        if (port) node.peers = Object.fromEntries(peerAddresses(port));
      }
    }
    if (cluster.haproxy) {
      summary.haproxy = {
        url: cluster.haproxy.url,
        statsUrl: cluster.haproxy.statsUrl,
        sourceIps: cluster.sourceIps,
        servers: await cluster.haproxy.perServerCounts(),
      };
    }
    if (switched) summary.switch = switched;
    if (args.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else say(formatTable(summary));
    if (args.once) {
      const ok = connected === args.clients && (!switched || switchPassed(switched));
      await shutdown(ok ? 0 : 1);
      return 0;
    }
    const { username, password } = cluster.credentials;
    say(
      [
        '',
        'The cluster is running; Ctrl-C stops it. Log in yourself:',
        `  ${inNs('curl')} -s -X POST ${cluster.authUrl}/session -H 'content-type: application/json' \\`,
        `       -d '{"username":"${username}","password":"${password}"}'`,
        '  then open the returned url offering the sub-protocols "wslb" and "token.<token>" (or "wslb" and ?token=<token>).',
      ].join('\n'),
    );
    admin = await startAdminServer(cluster);
    const adminCall = (what: string) =>
      `${inNs('curl')} -s -H 'authorization: Bearer ${admin!.token}' ${what}`;
    say(
      [
        'Switch the running cluster (docs/deploy/README.md#switching-strategies):',
        `  ${adminCall(`-X POST ${admin.url}/switch -H 'content-type: application/json' -d '{"to":"${args.strategy === 'direct' ? 'nlb' : 'direct'}"}'`)}   # nlb | haproxy | direct`,
        `  ${adminCall(`-X POST ${admin.url}/retire`)}   # 409 with the counts until the old path is empty; -H 'content-type: application/json' -d '{"force":true}' cuts them`,
        `  ${adminCall(`${admin.url}/path`)}`,
      ].join('\n'),
    );
    if (cluster.oidcIssuer) {
      const idToken = await cluster.oidcIssuer.issue({ subject: 'oidc-demo', expiresInSeconds: 3600 });
      say(
        [
          'With an ID token of the local OIDC issuer (this one is for subject "oidc-demo", valid 1 h):',
          `  ${inNs('curl')} -s -X POST ${cluster.authUrl}/session -H 'authorization: Bearer ${idToken}'`,
        ].join('\n'),
      );
    }
    return await new Promise<number>(() => {});
  } catch (err) {
    say(`local cluster failed: ${(err as Error).message}`);
    await shutdown(1);
    return 1;
  }
}

function oidcOption(
  args: ReturnType<typeof parseLocalArgs>,
): Parameters<typeof LocalCluster.start>[0]['oidc'] {
  const issuer = args['oidc-issuer'];
  if (!issuer) return undefined;
  if (issuer === 'local') return 'local';
  return { issuer, audience: args['oidc-audience']!, jwksUrl: args['oidc-jwks-url'] };
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`local cluster failed to start: ${err.message}\n`);
    process.exit(1);
  },
);
