import { isLeft } from 'fp-ts/Either';
import { describeErrors, summarizeIssues } from '../../codecs/errors.js';
import { JsonRpcRequest } from '../../codecs/rpc.js';

/**
 * Reads one request frame as the ROUTER receives it: UTF-8, then JSON, then the codecs'
 * `JsonRpcRequest` (a string id or none, a string method, `"jsonrpc": "2.0"`).
 */

/** A request frame, read. */
export type ReadRequest =
  | { readonly ok: true; readonly request: JsonRpcRequest; readonly text: string }
  /** Not a request: answered -32700 with id `""` and never executed. */
  | { readonly ok: false; readonly detail: string; readonly text: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/**
 * Reads a request frame. Never throws: a frame that is not UTF-8, not JSON, or not a JSON-RPC
 * request (a numeric id, a missing method, …) is `ok: false` with what was wrong and where.
 *
 * ```ts
 * readRequest(new TextEncoder().encode('{"jsonrpc":"2.0","id":7,"method":"x"}'));
 * // { ok: false, detail: 'id: expected string, got 7', text: '…' }
 * ```
 */
export const readRequest = (body: Uint8Array): ReadRequest => {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { ok: false, detail: 'request is not valid UTF-8', text: latin1.decode(body) };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, detail: `request is not JSON (${(e as Error).message})`, text };
  }
  const request = JsonRpcRequest.decode(json);
  if (isLeft(request)) return { ok: false, detail: summarizeIssues(describeErrors(request.left)), text };
  return { ok: true, request: request.right, text };
};
