import { TestScheduler } from 'rxjs/testing';
import type { SchedulerLike } from 'rxjs';
import { Backlog } from '../../src/observables/backlog';

/**
 * A scheduler whose turns run in virtual time and whose clock the test moves: a consumer that
 * "takes 5 ms" per item advances it by 5, as a slow callback would advance the real one.
 */
const clocked = (testScheduler: TestScheduler) => {
  const clock = { ms: 0 };
  const scheduler: SchedulerLike = {
    now: () => clock.ms,
    schedule: (work: (this: unknown, state?: unknown) => void, delay?: number, state?: unknown) =>
      testScheduler.schedule(function (this: unknown, s?: unknown) {
        work.call(this, s);
      }, delay, state),
  } as SchedulerLike;
  return { clock, scheduler };
};

/** A backlog (limit 100, sliceMs 10) whose consumer records each item and takes 5 ms over it. */
const taking5ms = (clock: { ms: number }, scheduler: SchedulerLike, seen: number[]): Backlog<number> =>
  new Backlog<number>(
    (n) => {
      seen.push(n);
      clock.ms += 5;
    },
    () => fail('no gap'),
    { limit: 100, sliceMs: 10, scheduler },
  );

describe('Backlog', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('delivers each item at once, in order, while the consumer keeps up', () => {
    const { scheduler } = clocked(testScheduler);
    const seen: number[] = [];
    const backlog = new Backlog<number>((n) => seen.push(n), () => fail('no gap'), { limit: 3, sliceMs: 10, scheduler });
    for (let i = 0; i < 100; i++) backlog.push(i);
    expect(seen).toHaveLength(100);
    expect(backlog.size).toBe(0);
    expect(backlog.dropped).toBe(0);
  });

  it('adds up the time spent delivering across pushes, and past sliceMs lets what arrives wait for the next turn', () => {
    const seen: number[] = [];
    testScheduler.run(() => {
      const { clock, scheduler } = clocked(testScheduler);
      const backlog = taking5ms(clock, scheduler, seen); // a consumer that takes 5 ms per item
      // A burst, one push at a time, as the link's read loop hands frames over.
      for (let i = 0; i < 6; i++) backlog.push(i);
      expect(seen).toEqual([0, 1]); // 10 ms spent: the link is free to read on while 2..5 wait
      expect(backlog.size).toBe(4);
      testScheduler.schedule(() => expect(seen).toEqual([0, 1, 2, 3, 4, 5]), 1); // the next turns
    });
  });

  it('starts a new window after a pause: a consumer that keeps up is never deferred', () => {
    const seen: number[] = [];
    testScheduler.run(() => {
      const { clock, scheduler } = clocked(testScheduler);
      const backlog = taking5ms(clock, scheduler, seen);
      for (let i = 0; i < 20; i++) {
        backlog.push(i);
        expect(seen).toHaveLength(i + 1); // delivered at once
        clock.ms += 50; // the next frame comes after a pause
      }
    });
  });

  it('counts only the time spent delivering: a consumer that keeps up at a steady rate, with no pause, is never deferred', () => {
    const run = (deliveryMs: number, gapMs: number): number[] => {
      const sizes: number[] = [];
      testScheduler.run(() => {
        const { clock, scheduler } = clocked(testScheduler);
        const backlog = new Backlog<number>(
          () => {
            clock.ms += deliveryMs;
          },
          () => fail('no gap'),
          { limit: 1000, sliceMs: 10, scheduler },
        );
        for (let i = 0; i < 100; i++) {
          backlog.push(i);
          sizes.push(backlog.size);
          clock.ms += gapMs; // the link reads the next frame: never a pause of sliceMs
        }
      });
      return sizes;
    };
    // 1 ms of 3: a third of the time delivering, the rest reading. Always delivered at once.
    expect(Math.max(...run(1, 2))).toBe(0);
    // 2 ms of 2.5: the consumer holds the thread; past 10 ms in a 20 ms window, frames wait.
    expect(Math.max(...run(2, 0.5))).toBeGreaterThan(0);
  });

  it('delivers what arrives inside a delivery after it, in order, within the same turn', () => {
    const seen: number[] = [];
    const { scheduler } = clocked(testScheduler);
    let backlog!: Backlog<number>;
    backlog = new Backlog<number>(
      (n) => {
        seen.push(n);
        if (n === 0) for (let i = 1; i < 6; i++) backlog.push(i);
      },
      () => fail('no gap'),
      { limit: 100, sliceMs: 10, scheduler },
    );
    backlog.push(0);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('drops the oldest past its limit, counts every drop, and reports the gap before the next item', () => {
    const seen: Array<number | string> = [];
    testScheduler.run(() => {
      const { clock, scheduler } = clocked(testScheduler);
      let backlog!: Backlog<number>;
      backlog = new Backlog<number>(
        (n) => {
          seen.push(n);
          if (n === 0) for (let i = 1; i <= 10; i++) backlog.push(i);
          clock.ms += 20; // every item takes a whole slice
        },
        (dropped) => seen.push(`gap ${dropped}`),
        { limit: 3, sliceMs: 10, scheduler },
      );
      backlog.push(0);
    });
    expect(seen).toEqual([0, 'gap 7', 8, 9, 10]);
  });

  it('clear() forgets what waits and cancels the next turn', () => {
    const seen: number[] = [];
    testScheduler.run(() => {
      const { clock, scheduler } = clocked(testScheduler);
      let backlog!: Backlog<number>;
      backlog = new Backlog<number>(
        (n) => {
          seen.push(n);
          if (n === 0) backlog.push(1);
          clock.ms += 20;
        },
        () => undefined,
        { limit: 3, sliceMs: 10, scheduler },
      );
      backlog.push(0);
      backlog.clear();
    });
    expect(seen).toEqual([0]);
  });
});

describe('Backlog retain', () => {
  it('passes only the items that wait through retain (a copy), never one delivered at once', () => {
    const testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    const retained: number[] = [];
    const seen: Array<{ n: number; copied: boolean }> = [];
    testScheduler.run(() => {
      const { clock, scheduler } = clocked(testScheduler);
      const backlog = new Backlog<{ n: number; copied: boolean }>(
        (item) => {
          seen.push(item);
          clock.ms += 20; // each delivery takes a whole slice
        },
        () => undefined,
        {
          limit: 100,
          sliceMs: 10,
          scheduler,
          retain: (item) => {
            retained.push(item.n);
            return { ...item, copied: true };
          },
        },
      );
      for (let n = 0; n < 4; n++) backlog.push({ n, copied: false });
    });
    expect(retained).toEqual([1, 2, 3]);
    expect(seen).toEqual([
      { n: 0, copied: false },
      { n: 1, copied: true },
      { n: 2, copied: true },
      { n: 3, copied: true },
    ]);
  });
});
