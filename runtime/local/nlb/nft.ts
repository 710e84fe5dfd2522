import { execInNamespace } from '../netns';

/** Applies a ruleset file in one `nft -f` transaction inside the namespace: all of it or nothing. */
export function nftApplier(namespace: string): (ruleset: string) => Promise<void> {
  return async (ruleset) => {
    await execInNamespace(namespace, 'nft', ['-f', '-'], { input: ruleset });
  };
}

/** `nft -c -f`: parse and validate against the kernel without committing. Throws with nft's message. */
export async function nftCheck(namespace: string, ruleset: string): Promise<void> {
  await execInNamespace(namespace, 'nft', ['-c', '-f', '-'], { input: ruleset });
}
