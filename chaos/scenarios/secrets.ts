import { check } from '../../harness/check';
import { count, until } from '../../harness/stats';
import { connect } from '../../runtime/client/node';
import { ChaosCluster } from '../harness/chaos-cluster';
import { TIMING } from '../sizes';
import type { Scenario } from '../types';

/**
 * 8. No log line holds a token, a password or the signing key: this scenario's own cluster at debug level
 * (tokens in the query string and the sub-protocol, wrong passwords, forged tokens), plus the logs every
 * earlier scenario handed to the ledger before it stopped.
 */
export const secrets: Scenario = {
  number: 8,
  id: 'secrets',
  title: 'Secrets stay secret',
  async run({ ledger }) {
    const cc = await ChaosCluster.start('secrets', ledger, { nodes: 2, ...TIMING, logLevel: 'debug' });
    const tokens: string[] = [];
    try {
      const { authUrl, credentials } = cc.cluster;
      const clients = (['query', 'protocol'] as const).flatMap((tokenIn) =>
        Array.from({ length: 10 }, () => connect({ authUrl, credentials, tokenIn })),
      );
      await until(() => clients.every((c) => c.connected), 20_000, 100);
      for (let i = 0; i < 5; i++) {
        await cc.login({ username: credentials.username, password: `${credentials.password}x${i}` });
        await cc.login({ username: `${credentials.password}`, password: credentials.password });
        const ok = await cc.login();
        if (ok.token) {
          tokens.push(ok.token);
          const node = cc.cluster.nodes[i % cc.cluster.nodes.length];
          // A token for another node and a tampered one: refused, and the refusal is logged.
          await fetch(`http://127.0.0.1:${node.port}/?token=${ok.token}x`, {
            headers: { upgrade: 'websocket' },
          }).catch(() => {});
        }
      }
      for (const c of clients) c.close();
    } finally {
      await cc.stop(tokens);
    }
    const leaks = ledger.leaks;
    return {
      figure: `${count(ledger.lines)} log lines in ${ledger.files} files scanned for ${ledger.secretsChecked} secrets and ${count(ledger.tokensChecked)} tokens: ${leaks.length} leaks`,
      checks: [
        check(
          'no log line holds a token, a password or the signing key',
          leaks.length === 0,
          leaks
            .slice(0, 5)
            .map((l) => `${l.source}:${l.line} ${l.what}`)
            .join('; ') || 'none',
        ),
        check(
          'the scan saw real logs and real tokens',
          ledger.lines > 0 && ledger.tokensChecked > 0,
          `${count(ledger.lines)} lines, ${count(ledger.tokensChecked)} tokens`,
        ),
      ],
      metrics: {
        lines: ledger.lines,
        files: ledger.files,
        sources: [...ledger.sources],
        secrets: ledger.secretsChecked,
        tokens: ledger.tokensChecked,
        leaks,
      },
    };
  },
};
