import type { SchedulerLike, Subscription } from 'rxjs';
import type { RequestLink } from './transport.js';

/**
 * Where a request is:
 * - `queued`: in our queue, waiting for a connection that can take it; it can be withdrawn;
 * - `sending`: handed to the link, whose answer is awaited;
 * - `sent`: it left our hands: the instance may run it, whatever happens to the caller;
 * - `withdrawn`: cancelled, or dropped by `close()`, before it was sent: it never will be.
 */
export type RequestState = 'queued' | 'sending' | 'sent' | 'withdrawn';

/** A request handed to a `RequestQueue`: where it is, and a way to withdraw it. */
export interface OutgoingRequest {
  /** Where the request is now. */
  readonly state: RequestState;
  /**
   * Withdraw the request if it has not left yet. Returns `true` when it is sure never to be
   * sent (withdrawn now or before); `false` when it has been sent. A request that is being
   * handed over when this is called is dropped if that hand-over fails, never retried.
   */
  cancel(): boolean;
}

/** Options of a `RequestQueue`. */
export interface RequestQueueOptions {
  /** Drives the retry timer (virtual time in marble tests). */
  readonly scheduler: SchedulerLike;
  /**
   * While requests wait, retry sending this often (milliseconds), as a backstop to the link's
   * `connected` / `ready` signals. Default 100.
   */
  readonly retryIntervalMs?: number;
  /** A fatal error of the link's `send`. */
  readonly onError: (err: unknown) => void;
}

/** A request in the queue, and the caller's handle on it (one object per request). */
class Entry implements OutgoingRequest {
  /** `cancel()` was called while `sending`: if that send fails, drop instead of retrying. */
  abandoned = false;

  constructor(
    readonly json: string,
    private readonly queue: RequestQueue,
    public state: RequestState,
  ) {}

  cancel(): boolean {
    if (this.state === 'queued') {
      this.state = 'withdrawn';
      this.queue.remove(this);
    } else if (this.state === 'sending') {
      this.abandoned = true;
    }
    return this.state === 'withdrawn';
  }
}

/**
 * The requests of one request link, first in first out, each withdrawable until it leaves:
 * the at-most-once half of the RPC client, written once for every transport.
 *
 * Requests are handed to `link.send` one at a time. A send that answers `false` (no
 * connection could take it) leaves the request at the head of the queue; the queue tries again
 * on `flush()` (call it on the link's `connected` and `ready` signals) and every
 * `retryIntervalMs` while requests wait. Nothing ever waits for a connection inside the link,
 * so a request withdrawn here is never executed by an instance that comes back later.
 *
 * ```ts
 * const queue = new RequestQueue(link, { scheduler: asyncScheduler, onError: console.error });
 * const request = queue.enqueue('{"jsonrpc":"2.0","id":"1","method":"instance.ping","params":{}}');
 * // later, the caller gave up:
 * if (request.cancel()) console.log('never sent: safe to retry');
 * ```
 */
export class RequestQueue {
  private readonly entries: Entry[] = [];
  private readonly retryIntervalMs: number;
  private sending = false;
  private closed = false;
  private retryTimer: Subscription | undefined;

  constructor(
    private readonly link: RequestLink,
    private readonly options: RequestQueueOptions,
  ) {
    this.retryIntervalMs = options.retryIntervalMs ?? 100;
  }

  /** How many requests wait in the queue (not yet sent, not withdrawn). */
  get waiting(): number {
    return this.entries.length;
  }

  /** Queue one request (its JSON text) and try to send it at once. */
  enqueue(json: string): OutgoingRequest {
    const entry = new Entry(json, this, this.closed ? 'withdrawn' : 'queued');
    if (!this.closed) {
      this.entries.push(entry);
      this.flush();
    }
    return entry;
  }

  /** Hand waiting requests to the link, in order, until it cannot take one. */
  flush(): void {
    if (this.sending || this.closed) return;
    this.stopRetry();
    while (!this.closed) {
      const head = this.entries[0];
      if (head === undefined) return;
      head.state = 'sending';
      let result: boolean | Promise<boolean>;
      try {
        result = this.link.send(head.json);
      } catch (err) {
        this.fail(err);
        return;
      }
      if (typeof result === 'boolean') {
        if (!this.settle(head, result)) return;
        continue;
      }
      this.sending = true;
      result.then(
        (sent) => {
          this.sending = false;
          if (this.closed) return;
          if (this.settle(head, sent)) this.flush();
        },
        (err: unknown) => {
          this.sending = false;
          this.fail(err);
        },
      );
      return;
    }
  }

  /** Withdraw every waiting request (none of them will ever be sent) and stop. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopRetry();
    for (const entry of this.entries) if (entry.state === 'queued') entry.state = 'withdrawn';
    this.entries.length = 0;
  }

  /** Records the result of one send; returns whether to go on with the next request. */
  private settle(head: Entry, sent: boolean): boolean {
    if (this.closed) {
      if (!sent) head.state = 'withdrawn';
      else head.state = 'sent';
      return false;
    }
    if (sent) {
      head.state = 'sent';
      this.remove(head);
      return true;
    }
    if (head.abandoned) {
      head.state = 'withdrawn';
      this.remove(head);
      return true;
    }
    head.state = 'queued';
    this.scheduleRetry();
    return false;
  }

  /** Takes a withdrawn request out of the queue (its own `cancel()`). */
  remove(entry: Entry): void {
    const index = this.entries.indexOf(entry);
    if (index >= 0) this.entries.splice(index, 1);
  }

  private fail(err: unknown): void {
    this.close();
    this.options.onError(err);
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== undefined || this.closed) return;
    this.retryTimer = this.options.scheduler.schedule(() => {
      this.retryTimer = undefined;
      this.flush();
    }, this.retryIntervalMs);
  }

  private stopRetry(): void {
    this.retryTimer?.unsubscribe();
    this.retryTimer = undefined;
  }
}
