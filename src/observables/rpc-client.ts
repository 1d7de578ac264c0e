import { Observable, Subject, asyncScheduler, type SchedulerLike, type Subscriber, type Subscription } from 'rxjs';
import { isLeft } from 'fp-ts/Either';
import {
  RpcAbortedError,
  RpcTimeoutError,
  buildRequest,
  decodeResponse,
  decodeResult,
  type Method,
  type ParamsOf,
  type ResultOf,
} from '../codecs/rpc.js';
import { InvalidEndpointError, checkEndpoint } from './endpoint.js';
import type { DealerPort, DealerSignal, OutgoingRequest, Transport } from './transport.js';
import { zeromqTransport } from './zeromq-transport.js';

/** Pando's own Go client gives up after 10 s per call; so do we, unless told otherwise. */
export const DEFAULT_RPC_TIMEOUT_MS = 10_000;

/** How long the DEALER stays open after the last call has settled, for the next one. */
export const DEFAULT_RPC_IDLE_CLOSE_MS = 1_000;

/** Options of one call. */
export interface CallOptions {
  /** Fail with `RpcTimeoutError` when no reply came within this many milliseconds. */
  readonly timeoutMs?: number;
}

/** Options of an RPC client. */
export interface RpcClientOptions {
  /** Default timeout of every call, in milliseconds (default 10,000, like Pando's client). */
  readonly timeoutMs?: number;
  /**
   * Keep the DEALER open this long after the last call settled, so that back-to-back calls
   * share one connection (default 1,000 ms). The socket closes after that, so that a process
   * that is done with the client exits by itself.
   */
  readonly idleCloseMs?: number;
  /** The sockets to use (default: real ZeroMQ sockets). Tests pass a fake. */
  readonly transport?: Transport;
  /** The scheduler of timeouts and idle closing (default `asyncScheduler`). */
  readonly scheduler?: SchedulerLike;
}

/** A reply that no caller was waiting for: reported here, never thrown into a call. */
export interface RpcDiagnostic {
  /**
   * - `late-reply`: the reply of a call that had already been abandoned or had timed out;
   * - `unknown-id`: a reply whose id no call of this client ever used;
   * - `parse-error-reply`: a `-32700` reply with id `""` (the instance could not read a request);
   * - `malformed-reply`: a reply that is not a JSON-RPC response at all.
   */
  readonly kind: 'late-reply' | 'unknown-id' | 'parse-error-reply' | 'malformed-reply';
  /** The RPC endpoint. */
  readonly endpoint: string;
  /** The reply's id, when it had one. */
  readonly id?: string;
  /** What was wrong, in one line. */
  readonly detail: string;
}

/** How many replies of each kind of `RpcDiagnostic` this client has seen. */
export type RpcDiagnosticCounts = { readonly [K in RpcDiagnostic['kind']]: number };

interface PendingCall {
  readonly method: Method;
  readonly subscriber: Subscriber<unknown>;
  readonly outgoing: OutgoingRequest;
  readonly timer: Subscription;
}

/** How many abandoned ids are remembered, to tell a late reply from a stranger's. */
const REMEMBERED_ABANDONED = 1024;

/**
 * JSON-RPC over one shared DEALER, with calls as cold single-emission Observables.
 *
 * Replies are matched by id, so any number of calls may be in flight at once and answered in
 * any order. The DEALER opens with the first call and closes when the client has been idle for
 * `idleCloseMs`, or at `close()`. A call that fails (timeout) or is abandoned (unsubscribe) is
 * withdrawn if it is still waiting for a connection, so the instance never runs it later.
 */
export class RpcClient {
  /** Replies that no caller was waiting for (hot). */
  readonly diagnostics$: Observable<RpcDiagnostic>;

  private readonly transport: Transport | undefined;
  private readonly scheduler: SchedulerLike;
  private readonly timeoutMs: number;
  private readonly idleCloseMs: number;
  private readonly endpointProblem: string | undefined;
  private readonly pending = new Map<string, PendingCall>();
  private readonly abandoned = new Set<string>();
  private readonly diagnostics = new Subject<RpcDiagnostic>();
  private readonly counts: Record<RpcDiagnostic['kind'], number> = {
    'late-reply': 0,
    'unknown-id': 0,
    'parse-error-reply': 0,
    'malformed-reply': 0,
  };
  private dealer: DealerPort | undefined;
  private dealerSubscription: Subscription | undefined;
  private idleTimer: Subscription | undefined;
  private closed = false;

  constructor(
    /** The instance's ROUTER endpoint, e.g. `tcp://127.0.0.1:5552`. */
    readonly endpoint: string,
    options: RpcClientOptions = {},
  ) {
    this.transport = options.transport;
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
    this.idleCloseMs = options.idleCloseMs ?? DEFAULT_RPC_IDLE_CLOSE_MS;
    this.endpointProblem = checkEndpoint(endpoint);
    this.diagnostics$ = this.diagnostics.asObservable();
  }

  /** How many replies of each diagnostic kind were seen so far. */
  get diagnosticCounts(): RpcDiagnosticCounts {
    return { ...this.counts };
  }

  /** How many calls are waiting for their reply. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Calls `method` with `params`: a cold Observable that sends one request per subscription,
   * emits the decoded result once and completes. It errors with `RpcArgumentError` (nothing
   * sent), `RpcError` (an error reply), `RpcDecodeError` (an unexpected result),
   * `RpcTimeoutError` or `RpcAbortedError`. Unsubscribing abandons the call.
   */
  call<M extends Method>(method: M, params: ParamsOf<M>, options: CallOptions = {}): Observable<ResultOf<M>> {
    return new Observable<ResultOf<M>>((subscriber) => {
      if (this.closed) {
        subscriber.error(new RpcAbortedError(method, 'closed'));
        return undefined;
      }
      if (this.endpointProblem !== undefined) {
        subscriber.error(new InvalidEndpointError(this.endpoint, this.endpointProblem));
        return undefined;
      }
      const request = buildRequest(method, params);
      if (isLeft(request)) {
        subscriber.error(request.left);
        return undefined;
      }
      const { id, json } = request.right;
      const dealer = this.openDealer();
      const timeoutMs = options.timeoutMs ?? this.timeoutMs;
      const timer = this.scheduler.schedule(() => {
        this.settle(id)?.subscriber.error(new RpcTimeoutError(method, timeoutMs));
      }, timeoutMs);
      this.pending.set(id, { method, subscriber: subscriber as Subscriber<unknown>, outgoing: dealer.send(json), timer });
      return () => {
        // Abandoned by its caller before the reply (a settled call is no longer pending).
        if (this.pending.has(id)) this.settle(id);
      };
    });
  }

  /** Fails every pending call at once with `RpcAbortedError` (the instance shut down). */
  failPending(reason: 'closed' | 'shutdown' = 'shutdown'): void {
    for (const id of [...this.pending.keys()]) {
      const call = this.settle(id);
      call?.subscriber.error(new RpcAbortedError(call.method, reason));
    }
  }

  /** Fails every pending call, closes the DEALER and refuses further calls. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.failPending('closed');
    this.closed = true;
    this.closeDealer();
    this.diagnostics.complete();
  }

  /**
   * Gives up a pending call (timeout, unsubscribe, shutdown, close): stops its timer, withdraws
   * its request if it is still waiting for a connection, and remembers its id so that a late
   * reply is recognised as such.
   */
  private settle(id: string): PendingCall | undefined {
    const call = this.pending.get(id);
    if (call === undefined) return undefined;
    this.pending.delete(id);
    call.timer.unsubscribe();
    call.outgoing.cancel();
    this.rememberAbandoned(id);
    if (this.pending.size === 0) this.scheduleIdleClose();
    return call;
  }

  private rememberAbandoned(id: string): void {
    this.abandoned.add(id);
    if (this.abandoned.size > REMEMBERED_ABANDONED) {
      const oldest = this.abandoned.values().next().value as string;
      this.abandoned.delete(oldest);
    }
  }

  private openDealer(): DealerPort {
    this.idleTimer?.unsubscribe();
    this.idleTimer = undefined;
    if (this.dealer !== undefined) return this.dealer;
    const dealer = (this.transport ?? zeromqTransport).dealer(this.endpoint);
    this.dealer = dealer;
    this.dealerSubscription = dealer.signals$.subscribe((signal) => this.onSignal(signal));
    return dealer;
  }

  private scheduleIdleClose(): void {
    if (this.dealer === undefined || this.closed) return;
    this.idleTimer?.unsubscribe();
    this.idleTimer = this.scheduler.schedule(() => {
      this.idleTimer = undefined;
      if (this.pending.size === 0) this.closeDealer();
    }, this.idleCloseMs);
  }

  private closeDealer(): void {
    this.idleTimer?.unsubscribe();
    this.idleTimer = undefined;
    this.dealerSubscription?.unsubscribe();
    this.dealerSubscription = undefined;
    this.dealer?.close();
    this.dealer = undefined;
  }

  private report(kind: RpcDiagnostic['kind'], detail: string, id?: string): void {
    this.counts[kind]++;
    this.diagnostics.next(id === undefined ? { kind, endpoint: this.endpoint, detail } : { kind, endpoint: this.endpoint, id, detail });
  }

  private onSignal(signal: DealerSignal): void {
    if (signal.kind !== 'reply') return;
    const response = decodeResponse(signal.frame);
    if (isLeft(response)) {
      this.report('malformed-reply', response.left.detail);
      return;
    }
    const reply = response.right;
    const call = this.pending.get(reply.id);
    if (call === undefined) {
      if (reply.id === '' && 'error' in reply) {
        this.report('parse-error-reply', `${reply.error.code}: ${reply.error.message}`, reply.id);
      } else if (this.abandoned.delete(reply.id)) {
        this.report('late-reply', 'the call had already been abandoned or had timed out', reply.id);
      } else {
        this.report('unknown-id', 'no call of this client used that id', reply.id);
      }
      return;
    }
    this.pending.delete(reply.id);
    call.timer.unsubscribe();
    if (this.pending.size === 0) this.scheduleIdleClose();
    const result = decodeResult(call.method, reply);
    if (isLeft(result)) {
      call.subscriber.error(result.left);
    } else {
      call.subscriber.next(result.right);
      call.subscriber.complete();
    }
  }
}
