import type { SchedulerLike, Subscription } from 'rxjs';

/** Options of a `Backlog`. */
export interface BacklogOptions<T = unknown> {
  /** The most items kept waiting; past it the oldest is dropped (and counted). */
  readonly limit: number;
  /**
   * How long delivering may take, within a window of twice that, before the backlog yields to
   * the event loop, in ms.
   */
  readonly sliceMs: number;
  /** Schedules the next turn (a macrotask, so that I/O runs in between) and tells the time. */
  readonly scheduler: SchedulerLike;
  /**
   * Makes an item safe to keep when it has to wait (default: keep it as it is). A frame that a
   * socket library hands over may pin a whole receive buffer (libzmq's is 8 KiB): copying the
   * few bytes of a waiting frame lets that buffer go, so the backlog's memory is what it holds.
   * Items delivered at once are never copied.
   */
  readonly retain?: (item: T) => T;
}

/**
 * A bounded first-in first-out hand-over between a link that must be drained promptly and a
 * consumer that may be slow: the library's own buffer in front of every stream of an instance.
 *
 * While the consumer keeps up, each item is delivered at once, synchronously, as it arrives.
 * When delivering (the consumer's own time, added up across pushes) has taken `sliceMs` within
 * a window of `2 × sliceMs`, i.e. the consumer holds the thread at least half the time, the rest
 * waits here and the next turn is scheduled as a macrotask, so that the link's read loop runs in between and keeps draining
 * the socket (with the ZeroMQ implementation Pando pins, a subscriber that stops reading stalls
 * every other subscriber of that instance). Past `limit` waiting items, the oldest is dropped:
 * a slow consumer loses the oldest events, never stalls the instance, and every drop is
 * counted. `onGap(n)` is told, before the next delivered item, that `n` items were dropped in
 * front of it, so that state built from the stream (the mirror) can resync.
 */
export class Backlog<T> {
  private items: Array<T | undefined> = [];
  private head = 0;
  private droppedTotal = 0;
  private droppedSinceDelivery = 0;
  private turn: Subscription | undefined;
  private delivering = false;
  /** When the current window began (scheduler time), and the time spent delivering in it. */
  private windowStart = -Infinity;
  private spent = 0;

  constructor(
    private readonly deliver: (item: T) => void,
    private readonly onGap: (dropped: number) => void,
    private readonly options: BacklogOptions<T>,
  ) {}

  /** How many items wait. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** How many items were dropped since the backlog was made. */
  get dropped(): number {
    return this.droppedTotal;
  }

  /** Hand one item over: delivered now if nothing waits and the turn has time left, else queued. */
  push(item: T): void {
    if (this.size >= this.options.limit) {
      this.items[this.head++] = undefined;
      this.droppedTotal++;
      this.droppedSinceDelivery++;
    }
    if (this.delivering || this.turn !== undefined) {
      this.items.push(this.options.retain === undefined ? item : this.options.retain(item));
      return;
    }
    if (this.head === this.items.length && this.droppedSinceDelivery === 0) {
      // Nothing waits: deliver it without queueing (no array traffic per item while the
      // consumer keeps up, which is nearly always).
      this.pump(item, true);
      return;
    }
    this.items.push(item);
    this.pump();
  }

  /** Drop everything that waits (uncounted: the stream it was for has ended) and stop. */
  clear(): void {
    this.turn?.unsubscribe();
    this.turn = undefined;
    this.items = [];
    this.head = 0;
    this.droppedSinceDelivery = 0;
  }

  /** A scheduled turn: a fresh window, then deliver. */
  private nextTurn(): void {
    this.turn = undefined;
    this.windowStart = -Infinity;
    this.pump();
  }

  /**
   * Delivers `first` (when `hasFirst`: an item that found nothing waiting, never queued), then
   * what waits, until delivering has taken `sliceMs` in the window; then the next turn is
   * scheduled (even when nothing waits yet), so that what arrives meanwhile waits here while
   * the link drains the socket, instead of being delivered inside the link's read loop. The
   * time between pushes (the link reading, the event loop) is not counted: a consumer that
   * keeps up at any steady rate is never deferred. Two clock reads per delivery.
   */
  private pump(first?: T, hasFirst = false): void {
    this.delivering = true;
    const { scheduler, sliceMs } = this.options;
    let before = scheduler.now();
    if (before - this.windowStart > 2 * sliceMs) {
      this.windowStart = before;
      this.spent = 0;
    }
    let pending = hasFirst;
    try {
      while (pending || this.head < this.items.length) {
        let item: T;
        if (pending) {
          pending = false;
          item = first as T;
        } else {
          if (this.droppedSinceDelivery > 0) {
            const dropped = this.droppedSinceDelivery;
            this.droppedSinceDelivery = 0;
            this.onGap(dropped);
          }
          item = this.items[this.head] as T;
          this.items[this.head++] = undefined;
        }
        this.deliver(item);
        const after = scheduler.now();
        this.spent += after - before;
        before = after;
        if (this.spent >= sliceMs) {
          this.compact();
          this.turn = scheduler.schedule(() => this.nextTurn());
          return;
        }
      }
      // All delivered: a fresh array only if anything was queued (none for a lone item).
      if (this.head > 0) {
        this.items = [];
        this.head = 0;
      }
    } finally {
      this.delivering = false;
    }
  }

  /** Forget the delivered prefix once it is large, so the array does not grow without bound. */
  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
