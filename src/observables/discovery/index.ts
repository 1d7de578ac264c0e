/**
 * Finding a running Pando instance on this machine (PROTOCOL.md §3): the deterministic ports
 * of a working directory, its lock file, the registry of running instances, and the
 * confirmation that the instance found is the one the files named. Node only (reads files,
 * signals PIDs, watches a directory). The trust model is in docs/discovery.md.
 */
export { fnv1a32, portsForPath, PORT_RANGE_BASE, PORT_RANGE_SIZE } from './ports.js';
export { lockPath, readLock, readLockSync, type LockResult } from './lock-file.js';
export { isPidAlive } from './pid.js';
export { MAX_DISCOVERY_FILE_BYTES, type FileProblem } from './read-file.js';
export {
  DEFAULT_REGISTRY_DIR,
  REGISTRY_DIR_ENV,
  MAX_REGISTRY_FILES,
  resolveRegistryDir,
  listInstances,
  listInstancesSync,
  type InstanceInfo,
  type StaleEntry,
  type InvalidEntry,
  type InstanceListing,
  type ListInstancesOptions,
} from './registry.js';
export {
  watchInstances,
  instances$,
  DEFAULT_POLL_INTERVAL_MS,
  type WatchInstancesOptions,
  type InstancesOptions,
} from './watch.js';
export { resolveEndpoints, resolveEndpointsSync, type ResolveEndpointsOptions, type ResolvedEndpoints } from './resolve.js';
export {
  confirmInstance,
  InstanceNotConfirmedError,
  DEFAULT_CONFIRM_TIMEOUT_MS,
  type PingAnswer,
  type PingFn,
  type Discovered,
  type Confirmed,
  type ConfirmOptions,
  type NotConfirmedReason,
} from './confirm.js';
