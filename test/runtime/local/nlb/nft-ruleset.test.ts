import { execInNamespace } from '../../../../runtime/local/netns';
import { FLOW_TRACKING_TABLE } from '../../../../runtime/local/netns/track-flows';
import { nftApplier, nftCheck, renderRuleset, renderTeardown } from '../../../../runtime/local/nlb';
import { describeWithNamespaces, useTestNamespace } from '../netns/kernel-support';

const vip = { host: '127.0.9.9', port: 8000 };
const targets = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ host: `127.0.${1 + (i % 200)}.1`, port: 9101 + i }));

const listTables = async (ns: string) => (await execInNamespace(ns, 'nft', ['list', 'tables'])).stdout.trim();

describeWithNamespaces('the rendered ruleset with the real nft (inside a test namespace)', () => {
  const namespace = useTestNamespace('nft');

  it.each([0, 1, 2, 3, 64, 1000])('passes `nft -c -f` with %i target(s)', async (n) => {
    await expect(nftCheck(namespace(), renderRuleset({ vip, targets: targets(n) }))).resolves.toBeUndefined();
  });

  it('is really checked: nft -c refuses a broken file', async () => {
    await expect(nftCheck(namespace(), 'table ip wslb_nlb {\n  chain output { bogus }\n}\n')).rejects.toThrow(
      /nft -c -f - failed/,
    );
  });

  it('replaces the table in one transaction: a file the kernel refuses leaves the previous ruleset in place', async () => {
    const apply = nftApplier(namespace());
    await apply(renderRuleset({ vip, targets: targets(3) }));
    await apply(renderRuleset({ vip, targets: targets(2) }));
    const listed = (await execInNamespace(namespace(), 'nft', ['list', 'table', 'ip', 'wslb_nlb'])).stdout;
    expect(listed).toContain('numgen random mod 2 map { 0 : 127.0.1.1 . 9101, 1 : 127.0.2.1 . 9102 }');

    // Parses fine; the kernel refuses the last chain (a route chain exists only on output), after the delete.
    const broken = `${renderRuleset({ vip, targets: [] })}table ip wslb_nlb {\n  chain r { type route hook input priority 0; policy accept; }\n}\n`;
    await expect(apply(broken)).rejects.toThrow('Operation not supported');
    expect((await execInNamespace(namespace(), 'nft', ['list', 'table', 'ip', 'wslb_nlb'])).stdout).toBe(
      listed,
    );

    // The teardown removes the stand-in's table only; the namespace's flow tracking stays (decision 0180).
    await apply(renderTeardown());
    expect(await listTables(namespace())).toBe(`table ip ${FLOW_TRACKING_TABLE}`);
  });
});
