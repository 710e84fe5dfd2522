/** One WS node as HAProxy sees it. */
export interface Backend {
  /** Stable id (EC2 instance id, local node id); becomes part of the `server` names. */
  id: string;
  /** IPv4 address or host name HAProxy connects to. */
  host: string;
  port: number;
}

/** Order-independent identity of a backend set: equal keys mean no reload is needed. */
export function backendSetKey(backends: readonly Backend[]): string {
  return backends
    .map((b) => `${b.id}|${b.host}|${b.port}`)
    .sort()
    .join(',');
}
