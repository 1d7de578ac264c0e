import type * as zmq from 'zeromq';
import { ZeromqMissingError } from './zeromq-missing-error.js';

/** The zeromq.js module, as `import * as zmq from 'zeromq'` gives it. */
export type ZeromqModule = typeof zmq;

/** True for "there is no package zeromq" (CommonJS and ES module resolution), not for an error inside it. */
const isNotFound = (err: unknown): boolean => {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') return false;
  // The first line names the module that was not found: zeromq itself, not one of its files.
  return typeof message === 'string' && /^Cannot find (module|package) 'zeromq'/.test(message);
};

/** The one attempt to load zeromq in this process, and its module once it has loaded. */
let loading: Promise<ZeromqModule> | undefined;
let loaded: ZeromqModule | undefined;

/**
 * zeromq.js, once it has been loaded in this process; `undefined` before (or when it failed).
 * Lets an adapter open a socket synchronously whenever it can.
 *
 * ```ts
 * const zmq = loadedZeromq();
 * if (zmq !== undefined) new zmq.Subscriber({ linger: 0 });
 * ```
 */
export const loadedZeromq = (): ZeromqModule | undefined => loaded;

/**
 * Loads zeromq.js on first use (never at import, so that pando-rx loads, and its codecs,
 * operators and other transports work, where the optional dependency is not installed). One
 * attempt per process; it rejects with {@link ZeromqMissingError} naming `feature`.
 *
 * ```ts
 * const zmq = await loadZeromq('startFakeInstance()');
 * const pub = new zmq.Publisher({ linger: 0 });
 * ```
 */
export const loadZeromq = (feature = 'connect() over ZeroMQ'): Promise<ZeromqModule> => {
  loading ??= import('zeromq').then((imported) => {
    // An ES module import of the CommonJS package may put its exports under `default`.
    loaded = typeof imported.Subscriber === 'function' ? imported : ((imported as unknown as { default?: ZeromqModule }).default ?? imported);
    return loaded;
  });
  return loading.catch((error: unknown) => {
    throw new ZeromqMissingError(feature, isNotFound(error) ? 'not-installed' : 'failed-to-load', error);
  });
};
