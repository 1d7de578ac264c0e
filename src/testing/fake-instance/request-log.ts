import {
  Subject,
  concat,
  defer,
  filter,
  firstValueFrom,
  from,
  take,
  throwError,
  throwIfEmpty,
  timeout,
  type Observable,
} from 'rxjs';
import { FakeInstanceStoppedError, FakeWaitTimeoutError } from './errors.js';

/**
 * The fake instance's record of its RPC traffic: every request in order of arrival and every
 * reply in order of sending, as arrays and as hot streams, and waiting for one of them.
 */

/** One request as the ROUTER received it, in order of arrival. */
export interface RecordedRequest {
  /** 1 for the first request this instance received, then 2, 3, … */
  readonly seq: number;
  /** The id the reply carries: the request's string id, or `''` (no id, or unreadable request). */
  readonly id: string;
  /** The method, or `''` when the request could not be read. */
  readonly method: string;
  /** The params as received (raw JSON), `undefined` when absent. */
  readonly params: unknown;
  /** `false` when the request was answered -32700 (not JSON, not a JSON-RPC request, or a non-string id). */
  readonly valid: boolean;
  /** The request frame as text. */
  readonly text: string;
  /** When it arrived. */
  readonly receivedAt: Date;
}

/** The JSON of a reply. */
export type RpcReplyJson =
  | { readonly jsonrpc: '2.0'; readonly id: string; readonly result: unknown }
  | { readonly jsonrpc: '2.0'; readonly id: string; readonly error: { readonly code: number; readonly message: string } };

/** One reply that was handed to the ROUTER socket. */
export interface RecordedReply {
  readonly request: RecordedRequest;
  readonly reply: RpcReplyJson;
  readonly sentAt: Date;
}

/**
 * Which request (or reply, by its request) to wait for: a predicate, or the `method` and/or
 * `id` it must have. A pattern makes the timeout error say exactly what was awaited.
 */
export type RequestMatch<T> = ((value: T) => boolean) | { readonly method?: string; readonly id?: string };

/** Options of `waitForRequest` / `waitForReply`. */
export interface WaitOptions {
  /**
   * How long to wait, in milliseconds. Default {@link DEFAULT_WAIT_TIMEOUT_MS} (under jest's
   * default test timeout of 5 s, so that this error, which says what was awaited, is the one
   * you see); `Infinity` waits until the instance stops.
   */
  readonly timeoutMs?: number;
  /** What the predicate looks for, for the timeout error, e.g. `'the third ping'`. */
  readonly description?: string;
}

/** The default timeout of `waitForRequest` / `waitForReply`. */
export const DEFAULT_WAIT_TIMEOUT_MS = 4000;

const SHOWN = 8;

/** `3 requests received: a, b, c` (the methods, the last few only), `1 reply sent: a`, `no request received yet`. */
const summary = (noun: 'request' | 'reply', verb: string, names: readonly string[]): string => {
  const count = names.length;
  if (count === 0) return `no ${noun} ${verb} yet`;
  const shown = names.slice(-SHOWN).map((n) => (n === '' ? '(unreadable)' : n));
  const nouns = count === 1 ? noun : noun === 'reply' ? 'replies' : 'requests';
  return `${count} ${nouns} ${verb}: ${count > SHOWN ? '…, ' : ''}${shown.join(', ')}`;
};

/** `a request with method "x" and id "y"`, `a request matching <description>`, `any request`. */
const describe = <T>(noun: string, match: RequestMatch<T> | undefined, description: string | undefined): string => {
  if (description !== undefined) return `a ${noun} matching ${description}`;
  if (match === undefined) return `any ${noun}`;
  if (typeof match === 'function') return `a ${noun} matching the predicate`;
  const parts = [
    ...(match.method === undefined ? [] : [`method "${match.method}"`]),
    ...(match.id === undefined ? [] : [`id "${match.id}"`]),
  ];
  return parts.length === 0 ? `any ${noun}` : `a ${noun} with ${parts.join(' and ')}`;
};

const predicateOf = <T>(match: RequestMatch<T> | undefined, requestOf: (value: T) => RecordedRequest): ((value: T) => boolean) => {
  if (match === undefined) return () => true;
  if (typeof match === 'function') return match;
  const { method, id } = match;
  return (value) => {
    const request = requestOf(value);
    return (method === undefined || request.method === method) && (id === undefined || request.id === id);
  };
};

/**
 * Requests and replies of one instance.
 *
 * ```ts
 * const log = new RequestLog();
 * const request = log.recordRequest({ id: '1', method: 'instance.ping', params: {}, valid: true, text: '…' });
 * await log.waitForRequest({ method: 'instance.ping' }); // resolves at once: it is in the log
 * ```
 */
export class RequestLog {
  private readonly requestList: RecordedRequest[] = [];
  private readonly replyList: RecordedReply[] = [];
  private readonly requestSubject = new Subject<RecordedRequest>();
  private readonly replySubject = new Subject<RecordedReply>();
  /** Hot: each request as it arrives. Completes on `close`. */
  readonly requests$: Observable<RecordedRequest> = this.requestSubject.asObservable();
  /** Hot: each reply as it is sent. Completes on `close`. */
  readonly replies$: Observable<RecordedReply> = this.replySubject.asObservable();

  /** Every request received, in order (a live, read-only array). */
  get requests(): readonly RecordedRequest[] {
    return this.requestList;
  }

  /** Every reply sent, in order of sending (a live, read-only array). */
  get replies(): readonly RecordedReply[] {
    return this.replyList;
  }

  /** Records a request (numbered and timed here) and announces it. */
  recordRequest(request: Omit<RecordedRequest, 'seq' | 'receivedAt'>): RecordedRequest {
    const recorded: RecordedRequest = { seq: this.requestList.length + 1, ...request, receivedAt: new Date() };
    this.requestList.push(recorded);
    this.requestSubject.next(recorded);
    return recorded;
  }

  /** Records a reply that was just sent, and announces it. */
  recordReply(request: RecordedRequest, reply: RpcReplyJson): void {
    const recorded: RecordedReply = { request, reply, sentAt: new Date() };
    this.replyList.push(recorded);
    this.replySubject.next(recorded);
  }

  /** The first request, past or future, that matches (default: any). See {@link WaitOptions}. */
  waitForRequest(match?: RequestMatch<RecordedRequest>, options: WaitOptions = {}): Promise<RecordedRequest> {
    return this.waitFor(this.requestList, this.requestSubject, predicateOf(match, (r) => r), options, {
      awaited: describe('request', match, options.description),
      seen: () => summary('request', 'received', this.requestList.map((r) => r.method)),
    });
  }

  /** The first reply, past or future, whose reply (or request, for a pattern) matches (default: any). */
  waitForReply(match?: RequestMatch<RecordedReply>, options: WaitOptions = {}): Promise<RecordedReply> {
    return this.waitFor(this.replyList, this.replySubject, predicateOf(match, (r) => r.request), options, {
      awaited: describe('reply', match, options.description),
      seen: () => summary('reply', 'sent', this.replyList.map((r) => r.request.method)),
    });
  }

  /** Completes both streams and fails every wait that is still pending (the instance stopped). */
  close(): void {
    this.requestSubject.complete();
    this.replySubject.complete();
  }

  /** The log so far, then what comes: the first match, a timeout, or the end of the stream. */
  private waitFor<T>(
    log: readonly T[],
    live$: Observable<T>,
    matches: (value: T) => boolean,
    { timeoutMs = DEFAULT_WAIT_TIMEOUT_MS }: WaitOptions,
    { awaited, seen }: { readonly awaited: string; readonly seen: () => string },
  ): Promise<T> {
    const first$ = defer(() => concat(from(log.slice()), live$)).pipe(filter(matches), take(1));
    const timed$ = Number.isFinite(timeoutMs)
      ? first$.pipe(timeout({ first: timeoutMs, with: () => throwError(() => new FakeWaitTimeoutError(awaited, timeoutMs, seen())) }))
      : first$;
    return firstValueFrom(timed$.pipe(throwIfEmpty(() => new FakeInstanceStoppedError(awaited, true))));
  }
}
