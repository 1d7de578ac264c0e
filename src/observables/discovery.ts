/**
 * Transitional: discovery now lives in the folder `./discovery/` (one job per file). This file
 * only keeps `import … from './discovery.js'` working in `remote-instance.ts` until that import
 * names `./discovery/index.js`; then delete it. Nothing else should import it.
 */
export {
  resolveEndpoints,
  resolveEndpointsSync,
  confirmInstance,
  InstanceNotConfirmedError,
  type ResolveEndpointsOptions,
  type ResolvedEndpoints,
  type InstanceInfo,
  type InstanceListing,
} from './discovery/index.js';
