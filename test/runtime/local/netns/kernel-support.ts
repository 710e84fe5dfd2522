import { checkNamespaceSupport, createNamespace, deleteNamespaceSync } from '../../../../runtime/local/netns';

/** Checked once per test file; creates and deletes a probe namespace. */
export const kernelSupport = checkNamespaceSupport();

/**
 * `describe` for tests that need root, `ip`, `nft` and network namespaces. Without them the block is skipped
 * with a message, except under CI=true, where it fails: CI must run the kernel balancer.
 */
export function describeWithNamespaces(title: string, body: () => void): void {
  if (kernelSupport.available) {
    describe(title, body);
    return;
  }
  const reason = kernelSupport.reason;
  if (process.env.CI === 'true') {
    describe(title, () => {
      it('has network namespaces and nftables', () => {
        throw new Error(`CI must run these tests as root with iproute2 and nftables installed: ${reason}`);
      });
    });
    return;
  }
  process.stderr.write(`skipping "${title}": ${reason}\n`);
  describe.skip(title, body);
}

/** A namespace created in beforeAll and deleted in afterAll (even when a test failed). */
export function useTestNamespace(label = 'test'): () => string {
  let name: string | undefined;
  beforeAll(async () => {
    name = await createNamespace(label);
  });
  afterAll(() => {
    if (name) deleteNamespaceSync(name);
  });
  return () => {
    if (!name) throw new Error('test namespace not created');
    return name;
  };
}
