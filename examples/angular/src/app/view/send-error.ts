import { BRIDGE_REFUSED_CODE, InstanceUnreachableError, RpcError, RpcTimeoutError } from 'pando-rx/browser';

/**
 * What the send box says when `sendMessage` fails. A read-only bridge refuses control methods
 * with `BRIDGE_REFUSED_CODE` before anything reaches the instance: say how to allow them.
 *
 * ```ts
 * describeSendError(new RpcError(BRIDGE_REFUSED_CODE, 'control is not allowed', 'message.send'));
 * // 'This bridge is read-only: start it with --allow-control to send messages.'
 * ```
 */
export const describeSendError = (error: unknown): string => {
  if (error instanceof RpcError && error.code === BRIDGE_REFUSED_CODE) {
    return 'This bridge is read-only: start it with --allow-control to send messages.';
  }
  if (error instanceof RpcError) return `The instance refused the message: ${error.rpcMessage}`;
  if (error instanceof RpcTimeoutError) return 'The instance did not answer in time; the message was not sent.';
  if (error instanceof InstanceUnreachableError) return 'The instance cannot be reached right now; try again when it is live.';
  return error instanceof Error ? error.message : String(error);
};
