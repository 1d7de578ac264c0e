import { loadZeromq } from './load-zeromq.js';

/**
 * Loads the optional dependency `zeromq` now, instead of when the first ZeroMQ socket opens:
 * resolves once ZeroMQ sockets can be opened, rejects with `ZeromqMissingError` (naming
 * `feature`) when zeromq is not installed or cannot load. For a program that would rather refuse
 * to start than fail each stream later (the command's `bridge` and `relay` do this).
 *
 * ```ts
 * await checkZeromq('my-dashboard server'); // "pando-rx: my-dashboard server needs the optional dependency 'zeromq' …"
 * ```
 */
export const checkZeromq = async (feature?: string): Promise<void> => {
  await loadZeromq(feature);
};
