import { Observable, Subject, asyncScheduler, type SchedulerLike, type Subscriber, type Subscription } from 'rxjs';
import { isLeft } from 'fp-ts/Either';
import { decodeResponse, type Method, type ParamsOf, type ResultOf } from '../codecs/rpc.js';
import { RpcAbortedError, RpcConnectionLostError, RpcDecodeError, RpcTimeoutError } from './rpc-errors.js';
import { buildRequest, decodeResult } from './rpc-request.js';
import { Deadlines } from './deadlines.js';
import { InvalidEndpointError } from './endpoint.js';
import { RequestQueue, type OutgoingRequest } from './request-queue.js';
import type { RequestLink, RequestLinkSignal, Transport } from './transport.js';

/** Pando's own Go client gives up after 10 s per call; so do we, unless told otherwise. */
export const DEFAULT_RPC_TIMEOUT_MS = 10_000;

/** How long the request link stays open after the last call has settled, for the next one. */
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
   * Keep the request link open this long after the last call settled, so that back-to-back
   * calls share one connection (default 1,000 ms). It closes after that, so that a process
   * that is done with the client exits by itself.
   */
  readonly idleCloseMs?: number;
  /** The scheduler of timeouts, idle closing and send retries (default `asyncScheduler`). */
  readonly scheduler?: SchedulerLike;
}

/** A reply that no caller was waiting for: reported here, never thrown into a call. */
export interface RpcDiagnostic {
  /**
   * - `late-reply`: the reply of a call that had already been abandoned or had timed out;
   * - `duplicate-reply`: a second reply to a call that was already answered;
   * - `unknown-id`: a reply whose id no call of this client ever used;
   * - `parse-error-reply`: a `-32700` reply with id `""` (the instance could not read a request);
   * - `malformed-reply`: a reply that is not a JSON-RPC response at all.
   */
  readonly kind: 'late-reply' | 'duplicate-reply' | 'unknown-id' | 'parse-error-reply' | 'malformed-reply';
  /** The RPC address. */
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
  readonly timeoutMs: number;
  /** The counter in its id: where it is remembered once settled. */
  readonly serial: number;
}

/** How many settled ids are remembered, to tell a late or duplicate reply from a stranger's. */
const REMEMBERED_SETTLED = 1024;

/** One open request link with its queue. */
interface Channel {
  readonly link: RequestLink;
  readonly queue: RequestQueue;
}

/**
 * JSON-RPC over one shared request link, with calls as cold single-emission Observables.
 *
 * Replies are matched by id, so any number of calls may be in flight at once and answered in
 * any order. The link opens with the first call and closes when the client has been idle for
 * `idleCloseMs`, or at `close()`. At most once: a call that fails (timeout) or is abandoned
 * (unsubscribe) is withdrawn if it is still waiting for a connection, so the instance never
 * runs it later; a call whose request was sent fails at once when the connection drops.
 */
export class RpcClient {
  /** Replies that no caller was waiting for (hot). */
  readonly diagnostics$: Observable<RpcDiagnostic>;

  private readonly scheduler: SchedulerLike;
  private readonly timeoutMs: number;
  private readonly idleCloseMs: number;
  private readonly endpointProblem: string | undefined;
  private readonly pending = new Map<string, PendingCall>();
  /** The pending calls' timeouts, on one timer. */
  private readonly deadlines: Deadlines<string>;
  /**
   * Settled calls, each in the slot of its id's counter (modulo `REMEMBERED_SETTLED`): its id,
   * and whether it was answered (1) or given up (0). A slot keeps the call of that residue that
   * settled last. Two array writes per call, where a `Map` of settled ids cost a set and a
   * delete (the profile of calls over an in-memory transport: 7 % of the time); only a reply
   * that no pending call waits for (rare) reads them, through its id's counter.
   */
  private readonly settledIds: (string | undefined)[] = new Array<string | undefined>(REMEMBERED_SETTLED);
  private readonly settledAnswered = new Uint8Array(REMEMBERED_SETTLED);
  private readonly diagnostics = new Subject<RpcDiagnostic>();
  private readonly counts: Record<RpcDiagnostic['kind'], number> = {
    'late-reply': 0,
    'duplicate-reply': 0,
    'unknown-id': 0,
    'parse-error-reply': 0,
    'malformed-reply': 0,
  };
  /** Ids are this client's prefix plus a counter: unique within the client, and very likely across. */
  private readonly idPrefix = `${Math.floor(Math.random() * 0xffffffff).toString(36)}-`;
  private idCounter = 0;
  private channel: Channel | undefined;
  private idleTimer: Subscription | undefined;
  /** When the client last became idle (no pending call), in scheduler time. */
  private idleSince = 0;
  private closed = false;

  constructor(
    private readonly transport: Transport,
    /** The instance's RPC address (its ROUTER endpoint over ZeroMQ, e.g. `tcp://127.0.0.1:5552`). */
    readonly endpoint: string,
    options: RpcClientOptions = {},
  ) {
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
    this.idleCloseMs = options.idleCloseMs ?? DEFAULT_RPC_IDLE_CLOSE_MS;
    this.endpointProblem = transport.checkAddress?.(endpoint);
    this.diagnostics$ = this.diagnostics.asObservable();
    this.deadlines = new Deadlines<string>(this.scheduler, (id) => this.timeOut(id));
  }

  /** How many replies of each diagnostic kind were seen so far. */
  get diagnosticCounts(): RpcDiagnosticCounts {
    return { ...this.counts };
  }

  /** How many calls are waiting for their reply. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** How many of them have not been sent yet (they wait for a connection and can still be withdrawn). */
  get unsentCount(): number {
    return this.channel?.queue.waiting ?? 0;
  }

  /**
   * Calls `method` with `params`: a cold Observable that sends one request per subscription,
   * emits the decoded result once and completes. Nothing is sent until it is subscribed.
   * It errors with `RpcArgumentError` (nothing sent), `RpcError` (an error reply),
   * `RpcDecodeError` (an unexpected result), `RpcTimeoutError` (its `sent` says whether the
   * instance may still run it), `RpcConnectionLostError` or `RpcAbortedError`. Unsubscribing
   * abandons the call (withdrawn if it has not been sent).
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
      const serial = ++this.idCounter;
      const request = buildRequest(method, params, `${this.idPrefix}${serial.toString(36)}`);
      if (isLeft(request)) {
        subscriber.error(request.left);
        return undefined;
      }
      const { id, json } = request.right;
      const channel = this.openChannel();
      const timeoutMs = options.timeoutMs ?? this.timeoutMs;
      const entry: PendingCall = { method, subscriber: subscriber as Subscriber<unknown>, outgoing: channel.queue.enqueue(json), timeoutMs, serial };
      this.pending.set(id, entry);
      this.deadlines.add(id, timeoutMs);
      return () => {
        // Abandoned by its caller before the reply (a settled call is no longer pending).
        if (this.pending.get(id) === entry) this.abandon(id);
      };
    });
  }

  /** A pending call's deadline came: it fails with `RpcTimeoutError`, saying whether it was sent. */
  private timeOut(id: string): void {
    const call = this.abandon(id);
    const { state } = call?.outgoing ?? {};
    call?.subscriber.error(new RpcTimeoutError(call.method, call.timeoutMs, state === 'sent' || state === 'sending'));
  }

  /** Fails every pending call at once with `RpcAbortedError` (the instance shut down). */
  failPending(reason: 'closed' | 'shutdown' = 'shutdown'): void {
    for (const id of [...this.pending.keys()]) {
      const call = this.abandon(id);
      call?.subscriber.error(new RpcAbortedError(call.method, reason));
    }
  }

  /** Fails every pending call, closes the request link and refuses further calls. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.failPending('closed');
    this.closed = true;
    this.closeChannel();
    this.diagnostics.complete();
  }

  /**
   * A pending call is no longer pending: its timer stops and its id is remembered, answered
   * (`true`: it got its reply) or given up (`false`: timeout, unsubscribe, shutdown, lost
   * connection, close; then its request is withdrawn if it has not been sent), so that a
   * later reply is recognised as duplicate or late.
   */
  private settle(id: string, answered: boolean): PendingCall | undefined {
    const call = this.pending.get(id);
    if (call === undefined) return undefined;
    this.pending.delete(id);
    this.deadlines.delete(id);
    if (!answered) call.outgoing.cancel();
    const slot = call.serial % REMEMBERED_SETTLED;
    this.settledIds[slot] = id;
    this.settledAnswered[slot] = answered ? 1 : 0;
    if (this.pending.size === 0) this.becameIdle();
    return call;
  }

  /** Gives up a pending call (see `settle`). */
  private abandon(id: string): PendingCall | undefined {
    return this.settle(id, false);
  }

  /** The slot where a settled call with this id is remembered, if it is one of ours that is. */
  private settledSlot(id: string): number | undefined {
    if (!id.startsWith(this.idPrefix)) return undefined;
    const serial = parseInt(id.slice(this.idPrefix.length), 36);
    if (!(serial > 0)) return undefined;
    const slot = serial % REMEMBERED_SETTLED;
    return this.settledIds[slot] === id ? slot : undefined;
  }

  private openChannel(): Channel {
    if (this.channel !== undefined) return this.channel;
    const link = this.transport.openRequests(this.endpoint, {
      next: (signal) => this.onSignal(signal),
      error: (err) => this.onLinkError(err),
    });
    const queue = new RequestQueue(link, { scheduler: this.scheduler, onError: (err) => this.onLinkError(err) });
    this.channel = { link, queue };
    return this.channel;
  }

  /** No call is pending: the link closes `idleCloseMs` from now unless a call comes (one timer, not one per call). */
  private becameIdle(): void {
    if (this.channel === undefined) {
      this.deadlines.clear();
      return;
    }
    if (this.closed) return;
    this.idleSince = this.scheduler.now();
    if (this.idleTimer === undefined) this.armIdleTimer(this.idleCloseMs);
  }

  private armIdleTimer(delayMs: number): void {
    this.idleTimer = this.scheduler.schedule(() => {
      this.idleTimer = undefined;
      if (this.pending.size > 0 || this.channel === undefined) return;
      const left = this.idleSince + this.idleCloseMs - this.scheduler.now();
      if (left > 0) this.armIdleTimer(left);
      else this.closeChannel();
    }, delayMs);
  }

  private closeChannel(): void {
    this.idleTimer?.unsubscribe();
    this.idleTimer = undefined;
    const channel = this.channel;
    this.channel = undefined;
    if (this.pending.size === 0) this.deadlines.clear();
    channel?.queue.close();
    channel?.link.close();
  }

  /** The link failed for good: every pending call fails with its error; the next call opens a new link. */
  private onLinkError(err: unknown): void {
    this.closeChannel();
    for (const id of [...this.pending.keys()]) this.abandon(id)?.subscriber.error(err);
  }

  private report(kind: RpcDiagnostic['kind'], detail: string, id?: string): void {
    this.counts[kind]++;
    this.diagnostics.next(id === undefined ? { kind, endpoint: this.endpoint, detail } : { kind, endpoint: this.endpoint, id, detail });
  }

  private onSignal(signal: RequestLinkSignal): void {
    switch (signal.kind) {
      case 'reply':
        return this.onReply(signal.frame);
      case 'connected':
      case 'ready':
        return this.channel?.queue.flush();
      case 'disconnected':
      case 'unreachable':
        return this.onConnectionLost();
    }
  }

  /** Calls whose request left on a connection that has dropped fail now, not at their timeout. */
  private onConnectionLost(): void {
    for (const [id, call] of [...this.pending]) {
      if (call.outgoing.state !== 'sent') continue;
      this.abandon(id);
      call.subscriber.error(new RpcConnectionLostError(call.method));
    }
  }

  private onReply(frame: Uint8Array): void {
    const response = decodeResponse(frame);
    if (isLeft(response)) {
      const { id, detail } = response.left;
      this.report('malformed-reply', detail, id);
      // A malformed reply that still names its call fails that call now, not at its timeout.
      const call = id === undefined ? undefined : this.settle(id, true);
      call?.subscriber.error(new RpcDecodeError(call.method, [{ path: 'reply', message: detail }]));
      return;
    }
    const reply = response.right;
    const call = this.pending.get(reply.id);
    if (call === undefined) {
      const slot = this.settledSlot(reply.id);
      const answered = slot === undefined ? undefined : this.settledAnswered[slot] === 1;
      if (reply.id === '' && 'error' in reply) {
        this.report('parse-error-reply', `${reply.error.code}: ${reply.error.message}`, reply.id);
      } else if (answered === true) {
        this.report('duplicate-reply', 'the call had already been answered', reply.id);
      } else if (answered === false) {
        this.settledIds[slot!] = undefined;
        this.report('late-reply', 'the call had already been abandoned or had timed out', reply.id);
      } else {
        this.report('unknown-id', 'no call of this client used that id', reply.id);
      }
      return;
    }
    this.settle(reply.id, true);
    const result = decodeResult(call.method, reply);
    if (isLeft(result)) {
      call.subscriber.error(result.left);
    } else {
      call.subscriber.next(result.right);
      call.subscriber.complete();
    }
  }
}
