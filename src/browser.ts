/**
 * `pando-rx/browser`: the browser-safe half of the library, the codecs and the operators.
 * It reaches no Node module and no zeromq, so an Angular or any bundled web app can use it
 * over a transport the browser can reach (see docs/angular.md).
 */
export * from './codecs/index.js';
export * from './operators/index.js';
