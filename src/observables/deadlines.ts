import type { SchedulerLike, Subscription } from 'rxjs';

/**
 * Deadlines for many keys on one scheduled action: the timeouts of an RPC client's calls.
 *
 * Scheduling and cancelling a timer per call costs a timer insert and removal each (about 1 µs
 * each with `asyncScheduler`); here one action waits for the earliest deadline. Adding a key
 * whose deadline is later than the one awaited, or deleting a key, touches no timer. When the
 * action runs, every key that is due expires (in the order they were added), and the action is
 * scheduled again for the earliest deadline left. A key expires at its deadline exactly, as
 * with a timer of its own. `clear()` cancels the action (so that nothing keeps the process
 * alive once the owner is idle).
 *
 * ```ts
 * const deadlines = new Deadlines<string>(asyncScheduler, (id) => console.log(`${id} timed out`));
 * deadlines.add('call-1', 10_000);
 * deadlines.delete('call-1'); // answered in time
 * ```
 */
export class Deadlines<K> {
  private readonly due = new Map<K, number>();
  private action: Subscription | undefined;
  private actionAt = Infinity;

  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly expire: (key: K) => void,
  ) {}

  /** How many keys wait for their deadline. */
  get size(): number {
    return this.due.size;
  }

  /** `key` expires `delayMs` from now unless deleted before. */
  add(key: K, delayMs: number): void {
    const now = this.scheduler.now();
    const at = now + delayMs;
    this.due.set(key, at);
    if (at < this.actionAt) this.wakeAt(at, now);
  }

  /** `key` no longer expires. Returns whether it was waiting. */
  delete(key: K): boolean {
    return this.due.delete(key);
  }

  /** Forget every key and cancel the scheduled action. */
  clear(): void {
    this.due.clear();
    this.action?.unsubscribe();
    this.action = undefined;
    this.actionAt = Infinity;
  }

  private wakeAt(at: number, now: number): void {
    this.action?.unsubscribe();
    this.actionAt = at;
    this.action = this.scheduler.schedule(() => this.wake(), Math.max(0, at - now));
  }

  private wake(): void {
    this.action = undefined;
    this.actionAt = Infinity;
    const now = this.scheduler.now();
    const expired: K[] = [];
    for (const [key, at] of this.due) if (at <= now) expired.push(key);
    for (const key of expired) if (this.due.delete(key)) this.expire(key);
    let next = Infinity;
    for (const at of this.due.values()) if (at < next) next = at;
    if (next < this.actionAt) this.wakeAt(next, this.scheduler.now());
  }
}
