import { summarizeIssues, type DecodeIssue } from '../codecs/errors.js';

/**
 * What a failed call errors with: one class per way a call can fail, so that `instanceof`
 * tells them apart. Runtime errors of the client, not part of the wire's codecs.
 */

/** The instance answered a call with a JSON-RPC error. */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  constructor(
    /** The JSON-RPC error code (see `RpcErrorCode`). */
    readonly code: number,
    /** The instance's own message, e.g. `session.get: session not found`. */
    readonly rpcMessage: string,
    /** The method that was called. */
    readonly method: string,
    /** The error's `data` member, when the instance sent one. */
    readonly data?: unknown,
  ) {
    super(`${method} failed with ${code}: ${rpcMessage}`);
  }
}

/** The instance's result did not match the method's result codec. */
export class RpcDecodeError extends Error {
  override readonly name = 'RpcDecodeError';
  constructor(
    /** The method that was called. */
    readonly method: string,
    /** Every bad value; paths start at `result`. */
    readonly issues: readonly DecodeIssue[],
  ) {
    super(`${method} returned an unexpected result: ${summarizeIssues(issues)}`);
  }
  /** The path of the first bad value, e.g. `result[0].updated_at`. */
  get path(): string {
    return this.issues[0]?.path ?? 'result';
  }
}

/** No reply came within the call's timeout. */
export class RpcTimeoutError extends Error {
  override readonly name = 'RpcTimeoutError';
  constructor(
    /** The method that was called. */
    readonly method: string,
    /** The timeout that ran out, in milliseconds. */
    readonly timeoutMs: number,
    /**
     * Whether the request had left the process when the time ran out. `false`: it was never
     * sent and never will be, so calling again is safe. `true`: the instance may still run it.
     */
    readonly sent: boolean = false,
  ) {
    super(
      `${method} got no reply within ${timeoutMs} ms` +
        (sent ? ' (the request was sent: the instance may still run it)' : ' (the request was never sent)'),
    );
  }
}

/**
 * A call whose request had been sent when the connection to the instance dropped: it fails at
 * once rather than at its timeout. The instance may have run it (or may run it, if it only
 * lost the connection): check before calling again when the method is not idempotent.
 */
export class RpcConnectionLostError extends Error {
  override readonly name = 'RpcConnectionLostError';
  /** Always `true`: the request had left the process. */
  readonly sent = true;
  constructor(
    /** The method that was called. */
    readonly method: string,
  ) {
    super(`${method} failed: the connection to the instance dropped after the request was sent (the instance may have run it)`);
  }
}

/** A call that was still waiting when its client closed or its instance shut down. */
export class RpcAbortedError extends Error {
  override readonly name = 'RpcAbortedError';
  constructor(
    /** The method that was called. */
    readonly method: string,
    /** Why: the client was closed, or the instance announced its shutdown. */
    readonly reason: 'closed' | 'shutdown',
  ) {
    super(
      reason === 'closed'
        ? `${method} was abandoned: the client was closed`
        : `${method} was abandoned: the instance shut down before answering`,
    );
  }
}

/** The arguments of a call did not match the method's params codec; nothing was sent. */
export class RpcArgumentError extends Error {
  override readonly name = 'RpcArgumentError';
  constructor(
    /** The method that was to be called. */
    readonly method: string,
    /** Every bad argument; paths start at `params`. */
    readonly issues: readonly DecodeIssue[],
  ) {
    super(`${method}: invalid arguments: ${summarizeIssues(issues)}`);
  }
}

// ---- helpers -------------------------------------------------------------------------------
