export { cleanupNow, trackedNamespaces } from './cleanup-registry';
export {
  createNamespace,
  deleteNamespaceSync,
  execInNamespace,
  NAMESPACE_PREFIX,
  namespaceExists,
  spawnInNamespace,
} from './namespace';
export { namespacePids } from './remove-namespace';
export { CommandError, type CommandResult, runCommand } from './run-command';
export { currentNamespace, NAMESPACE_ENV, type RunSelfOptions, runSelfInNamespace } from './run-self';
export { checkNamespaceSupport, type Support } from './support';
