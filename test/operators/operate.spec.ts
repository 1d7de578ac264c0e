import { Observable, Subject, VirtualTimeScheduler, config, of, take } from 'rxjs';
import { operate, scheduleFor } from '../../src/operators/internal/operate.js';
import { inChain, pullThrough, testScheduler } from './helpers.js';

/** A small operator made with `operate`: running sums, the total again at completion. */
const sums = (onFinalize: () => void = () => undefined) =>
  operate<number, number>((subscriber) => {
    let total = 0;
    return {
      next: (n) => {
        if (n < 0) throw new RangeError(`negative: ${n}`);
        subscriber.next((total += n));
      },
      complete: () => subscriber.next(total),
      finalize: onFinalize,
    };
  });

describe('operate (internal)', () => {
  let ts: ReturnType<typeof testScheduler>;
  beforeEach(() => {
    ts = testScheduler();
  });

  it('runs next per value, complete before the completion passes on', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' -a-b-|', { a: 1, b: 2 });
      const e1subs = '  ^----!';
      expectObservable(e1.pipe(sums())).toBe('-x-y-(z|)', { x: 1, y: 3, z: 3 });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('keeps state per subscription', () => {
    const op = sums();
    const seen: number[] = [];
    of(1, 2).pipe(op).subscribe((n) => seen.push(n));
    of(5).pipe(op).subscribe((n) => seen.push(n));
    expect(seen).toEqual([1, 3, 3, 5, 5]);
  });

  it('stops a synchronous source as soon as the result is unsubscribed', () => {
    const { pulled, emitted } = pullThrough([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], sums(), 2);
    expect(emitted).toEqual([1, 3]);
    expect(pulled).toEqual([1, 2]);
  });

  it('does not break unsubscription chains', () => {
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('  -a-^-a-b-a-b-|', { a: 1, b: 2 });
      const e1subs = '     ^-----!    ';
      expectObservable(e1.pipe(inChain(sums())), '^-----!').toBe('--x-y-', { x: 1, y: 3 });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('turns a throw in next into the error of the result, and unsubscribes from the source', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' -a-n-a-|', { a: 1, n: -1 });
      const e1subs = '  ^--!    ';
      expectObservable(e1.pipe(sums())).toBe('-x-#', { x: 1 }, new RangeError('negative: -1'));
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('turns a throw in complete or in init into the error of the result', () => {
    const failing = new Error('flush failed');
    const flushThrows = operate<number, number>(() => ({
      next: () => undefined,
      complete: () => {
        throw failing;
      },
    }));
    const initThrows = operate<number, number>(() => {
      throw failing;
    });
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-|', { a: 1 }).pipe(flushThrows)).toBe('---#', undefined, failing);
      expectObservable(cold('-a-|', { a: 1 }).pipe(initThrows)).toBe('#', undefined, failing);
    });
  });

  it('finalizes once on completion, on error and on unsubscription, and on a result closed during init', () => {
    const count = { n: 0 };
    const finalize = (): void => void count.n++;
    of(1).pipe(sums(finalize)).subscribe();
    expect(count.n).toBe(1);
    of(-1).pipe(sums(finalize)).subscribe({ error: () => undefined });
    expect(count.n).toBe(2);
    const source = new Subject<number>();
    const subscription = source.pipe(sums(finalize)).subscribe();
    subscription.unsubscribe();
    expect(count.n).toBe(3);
    expect(source.observed).toBe(false);

    const eager = operate<number, string>((subscriber) => {
      subscriber.next('at once');
      return { next: () => undefined, finalize };
    });
    const seen: string[] = [];
    new Observable<number>(() => undefined).pipe(eager, take(1)).subscribe((s) => seen.push(s));
    expect(seen).toEqual(['at once']);
    expect(count.n).toBe(4);
  });

  it('scheduleFor turns a throw in scheduled work into the error of the subscriber', () => {
    const scheduler = new VirtualTimeScheduler();
    const unhandled: unknown[] = [];
    const saved = config.onUnhandledError;
    config.onUnhandledError = (err) => unhandled.push(err);
    try {
      const broken = new Error('timer work failed');
      const timed = operate<number, string>((subscriber) => {
        const timer = scheduleFor(subscriber, scheduler, () => {
          throw broken;
        }, 10);
        return { next: () => undefined, finalize: () => timer.unsubscribe() };
      });
      const errors: unknown[] = [];
      new Subject<number>().pipe(timed).subscribe({ error: (err: unknown) => errors.push(err) });
      expect(() => scheduler.flush()).not.toThrow();
      expect(errors).toEqual([broken]);
      expect(unhandled).toEqual([]);
    } finally {
      config.onUnhandledError = saved;
    }
  });
});
