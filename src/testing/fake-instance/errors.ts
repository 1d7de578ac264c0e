import { RpcErrorCode } from '../../codecs/rpc.js';

/**
 * The errors of the fake instance: a method failure that a handler throws to answer -32000, a
 * use of an instance that was stopped, and a wait that ran out of time.
 */

/**
 * A method failure: answered with `code` (default -32000) and the message `<method>: <reason>`.
 *
 * ```ts
 * fake.overrideMethod('session.get', () => {
 *   throw new FakeMethodError('database is locked'); // -32000 session.get: database is locked
 * });
 * ```
 */
export class FakeMethodError extends Error {
  override readonly name = 'FakeMethodError';
  constructor(
    /** The text after `<method>: ` in the error reply. */
    readonly reason: string,
    /** The JSON-RPC error code. */
    readonly code: number = RpcErrorCode.MethodFailed,
  ) {
    super(reason);
  }
}

/** The instance was stopped before, or while, doing what was asked (`what`). */
export class FakeInstanceStoppedError extends Error {
  override readonly name = 'FakeInstanceStoppedError';
  constructor(
    /** What could not be done, e.g. `publish an event` or `wait for a request (method "x")`. */
    readonly what: string,
    /** True when the instance stopped while it was waiting, false when it was stopped already. */
    readonly whileWaiting = false,
  ) {
    super(whileWaiting ? `fake instance stopped while waiting for ${what}` : `fake instance is stopped: cannot ${what}`);
  }
}

/** `waitForRequest` / `waitForReply` saw nothing that matched within `timeoutMs`. */
export class FakeWaitTimeoutError extends Error {
  override readonly name = 'FakeWaitTimeoutError';
  constructor(
    /** What was awaited, e.g. `a request with method "session.get"`. */
    readonly awaited: string,
    /** The timeout that ran out, in milliseconds. */
    readonly timeoutMs: number,
    /** What arrived instead, in one line, e.g. `2 requests received: instance.ping, session.list`. */
    readonly seen: string,
  ) {
    super(`nothing matched within ${timeoutMs} ms: waited for ${awaited}; ${seen}`);
  }
}
