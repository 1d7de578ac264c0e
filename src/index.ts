/**
 * pando-rx: a running Pando instance as RxJS Observables.
 *
 * - `connect()` → `RemoteInstance`: `events$`, `on()`, `token$`, `mirror$`, `status$` and every
 *   RPC method as a cold single-emission Observable;
 * - operators that compose the events (`ofTopic`, `streamText`, `turns`, `toolCalls`, …);
 * - the io-ts codecs of the whole wire protocol.
 *
 * The fake instance for tests is in `pando-rx/testing`; the browser-safe half (codecs and
 * operators) in `pando-rx/browser`.
 */
export * from './browser.js';
export * from './observables/index.js';
