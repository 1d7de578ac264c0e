import type * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';
import { describeErrors, summarizeIssues } from '../../codecs/errors.js';
import { MethodTable, RpcErrorCode, isMethod, type Method, type ParamsOf, type ResultOf } from '../../codecs/rpc.js';
import { FakeMethodError } from './errors.js';
import type { RecordedRequest, RpcReplyJson } from './request-log.js';

/**
 * The methods the fake instance serves, driven by the codecs' method table: which handler
 * serves a method now (defaults, overrides, unregistered), and running one request through
 * the table (params decoded by the method's params codec, the result encoded by its result
 * codec, written as Go writes JSON).
 */

/**
 * A method's implementation: gets the params as decoded by the method table's params codec
 * and returns the result as typed by its result codec (it is encoded by that codec). Throw a
 * {@link FakeMethodError} (or any error) to answer -32000 `<method>: <reason>`.
 */
export type MethodHandler<M extends Method> = (
  params: ParamsOf<M>,
  request: RecordedRequest,
) => ResultOf<M> | Promise<ResultOf<M>>;

/** A handler per method; `null` unregisters the method (answered -32601). */
export type MethodOverrides = { readonly [M in Method]?: MethodHandler<M> | null };

/** The handlers a mode registers; a method left out is answered -32601, as Pando does. */
export type MethodHandlers = { readonly [M in Method]?: MethodHandler<M> };

type AnyHandler = (params: unknown, request: RecordedRequest) => unknown;
type AnyCodec = t.Type<unknown, unknown, unknown>;

/** `ipc: method not found`: Pando's text for a method without a handler. */
const METHOD_NOT_FOUND = 'ipc: method not found';

const failure = (id: string, code: number, message: string): RpcReplyJson => ({ jsonrpc: '2.0', id, error: { code, message } });
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Go writes a nil slice as `null`: what Pando does for an empty list, at the top or one level down. */
const goNilSlices = (encoded: unknown): unknown => {
  if (Array.isArray(encoded)) return encoded.length === 0 ? null : encoded;
  if (typeof encoded !== 'object' || encoded === null) return encoded;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(encoded)) out[key] = Array.isArray(value) && value.length === 0 ? null : value;
  return out;
};

/**
 * The handler table of one instance: the mode's defaults, replaced or unregistered by overrides.
 *
 * ```ts
 * const methods = new MethodRegistry({ 'instance.ping': () => ({ status: 'ok', instance_id: 'x', uptime }) });
 * methods.override('instance.ping', null); // -32601 from now on
 * ```
 */
export class MethodRegistry {
  private readonly overrides = new Map<Method, AnyHandler | null>();

  constructor(
    private readonly defaults: MethodHandlers,
    overrides: MethodOverrides = {},
  ) {
    for (const [method, handler] of Object.entries(overrides)) {
      if (isMethod(method) && handler !== undefined) this.overrides.set(method, handler as AnyHandler | null);
    }
  }

  /** Replaces a method's handler (`null`: unregister it; `undefined`: back to the default). */
  override<M extends Method>(method: M, handler: MethodHandler<M> | null | undefined): void {
    if (handler === undefined) this.overrides.delete(method);
    else this.overrides.set(method, handler as AnyHandler | null);
  }

  /**
   * Runs a request and resolves to its reply. The handler is called synchronously, so a
   * request's effects happen in order of arrival; its result may come later. Never rejects:
   * an unknown method is -32601, invalid params or a throwing handler -32000 `<method>: …`.
   */
  answer(request: RecordedRequest, rawParams: unknown): Promise<RpcReplyJson> {
    const { id, method } = request;
    const handler = this.handlerFor(method);
    if (handler === undefined || !isMethod(method)) return Promise.resolve(failure(id, RpcErrorCode.MethodNotFound, METHOD_NOT_FOUND));
    const codecs = MethodTable[method] as unknown as { readonly params: AnyCodec; readonly result: AnyCodec };
    const failed = (err: unknown): RpcReplyJson =>
      err instanceof FakeMethodError
        ? failure(id, err.code, `${method}: ${err.reason}`)
        : failure(id, RpcErrorCode.MethodFailed, `${method}: ${messageOf(err)}`);
    try {
      const params = codecs.params.decode(rawParams ?? {});
      if (isLeft(params)) throw new FakeMethodError(`invalid params: ${summarizeIssues(describeErrors(params.left))}`);
      return Promise.resolve(handler(params.right, request))
        .then((value): RpcReplyJson => {
          const encoded = codecs.result.encode(value);
          // instance.info is any JSON, written as the handler gave it.
          return { jsonrpc: '2.0', id, result: method === 'instance.info' ? encoded : goNilSlices(encoded) };
        })
        .catch(failed);
    } catch (err) {
      return Promise.resolve(failed(err));
    }
  }

  /** The handler that serves a method now, or undefined when it is not registered. */
  private handlerFor(method: string): AnyHandler | undefined {
    if (!isMethod(method)) return undefined;
    const override = this.overrides.get(method);
    if (override !== undefined) return override ?? undefined;
    return this.defaults[method] as AnyHandler | undefined;
  }
}
