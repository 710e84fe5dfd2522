export { CLIENT_PATH_KEY, type ClientPathStore, type CurrentPath, isClientPathStore } from './client-path';
export { createDocumentClient, DynamoDbRegistry, type DynamoDbRegistryOptions } from './dynamodb-registry';
export { type EmbeddedRegistry, REGISTRY_PARTITION_KEY, startEmbeddedRegistry } from './embedded';
export type { NodeHeartbeat, NodeRecord, NodeRegistry, NodeState, RegistryRead } from './types';
