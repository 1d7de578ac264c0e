import { TestScheduler } from 'rxjs/testing';
import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';
import { Deadlines } from '../../src/observables/deadlines';

/** The test scheduler, counting the actions scheduled and those still waiting. */
const counting = (scheduler: TestScheduler): { scheduler: SchedulerLike; scheduled: () => number; waiting: () => number } => {
  let scheduled = 0;
  const live = new Set<Subscription>();
  const wrapper: SchedulerLike = {
    now: () => scheduler.now(),
    schedule: <T>(work: (this: SchedulerAction<T>, state?: T) => void, delay?: number, state?: T): Subscription => {
      scheduled++;
      const action: Subscription = scheduler.schedule(function (this: SchedulerAction<T>, s?: T) {
        live.delete(action);
        work.call(this, s);
      }, delay, state);
      live.add(action);
      action.add(() => live.delete(action));
      return action;
    },
  };
  return { scheduler: wrapper, scheduled: () => scheduled, waiting: () => live.size };
};

describe('Deadlines', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('expires each key at its own deadline, whatever the order they were added in', () => {
    const expired: Array<[string, number]> = [];
    testScheduler.run(() => {
      const deadlines = new Deadlines<string>(testScheduler, (key) => expired.push([key, testScheduler.now()]));
      deadlines.add('a', 100);
      testScheduler.schedule(() => deadlines.add('b', 30), 10); // earlier than a's
      testScheduler.schedule(() => deadlines.add('c', 100), 20);
      testScheduler.schedule(() => deadlines.add('d', 0), 50);
    });
    expect(expired).toEqual([
      ['b', 40],
      ['d', 50],
      ['a', 100],
      ['c', 120],
    ]);
  });

  it('never expires a deleted key; delete says whether it was waiting', () => {
    const expired: string[] = [];
    testScheduler.run(() => {
      const deadlines = new Deadlines<string>(testScheduler, (key) => expired.push(key));
      deadlines.add('answered', 10);
      deadlines.add('late', 20);
      testScheduler.schedule(() => {
        expect(deadlines.delete('answered')).toBe(true);
        expect(deadlines.delete('answered')).toBe(false);
      }, 5);
    });
    expect(expired).toEqual(['late']);
  });

  it('uses one scheduled action for back-to-back keys with the same timeout, not one each', () => {
    const { scheduler, scheduled, waiting } = counting(testScheduler);
    const expired: string[] = [];
    testScheduler.run(() => {
      const deadlines = new Deadlines<number>(scheduler, (key) => expired.push(String(key)));
      // 100 sequential calls, each answered 1 ms after it was made.
      for (let n = 0; n < 100; n++) {
        testScheduler.schedule(() => deadlines.add(n, 1000), n * 2);
        testScheduler.schedule(() => deadlines.delete(n), n * 2 + 1);
      }
      testScheduler.schedule(() => {
        expect(scheduled()).toBe(1);
        deadlines.add(999, 10);
      }, 500);
      testScheduler.schedule(() => {
        expect(deadlines.size).toBe(0);
        deadlines.clear();
        expect(waiting()).toBe(0); // nothing left to keep a process alive
      }, 600);
    });
    expect(expired).toEqual(['999']);
    expect(scheduled()).toBe(2);
  });

  it('lets an expiring key add another: it expires on time too', () => {
    const expired: Array<[string, number]> = [];
    testScheduler.run(() => {
      const deadlines: Deadlines<string> = new Deadlines<string>(testScheduler, (key) => {
        expired.push([key, testScheduler.now()]);
        if (key === 'first') deadlines.add('retry', 5);
      });
      deadlines.add('first', 10);
      deadlines.add('other', 30);
    });
    expect(expired).toEqual([
      ['first', 10],
      ['retry', 15],
      ['other', 30],
    ]);
  });
});
