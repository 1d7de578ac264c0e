import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { TestScheduler } from 'rxjs/testing';
import type { Observable, Subscription } from 'rxjs';
import { DEFAULT_POLL_INTERVAL_MS, instances$, watchInstances } from '../../src/observables/discovery/watch.js';
import { type InstanceListing } from '../../src/observables/discovery/registry.js';
import { entryJson, tempDir, writeJson } from './discovery-fixtures.js';

/**
 * Records the emissions of a listing stream. `next(predicate)` resolves with the first
 * emission after the one it last returned that matches, waiting for it if needed: an emission
 * that arrives while the test is still awaiting its own file operation is not missed.
 */
class Emissions {
  readonly values: InstanceListing[] = [];
  error: unknown;
  readonly subscription: Subscription;
  private cursor = 0;
  private waiter: { predicate: (l: InstanceListing) => boolean; resolve: (l: InstanceListing) => void } | undefined;

  constructor(source: Observable<InstanceListing>) {
    this.subscription = source.subscribe({
      next: (listing) => {
        this.values.push(listing);
        this.settle();
      },
      error: (error: unknown) => (this.error = error),
    });
  }

  next(predicate: (l: InstanceListing) => boolean): Promise<InstanceListing> {
    return new Promise((resolve) => {
      this.waiter = { predicate, resolve };
      this.settle();
    });
  }

  private settle(): void {
    const waiter = this.waiter;
    if (waiter === undefined) return;
    while (this.cursor < this.values.length) {
      const listing = this.values[this.cursor++]!;
      if (waiter.predicate(listing)) {
        this.waiter = undefined;
        waiter.resolve(listing);
        return;
      }
    }
  }
}

const ids = (l: InstanceListing): string[] => l.instances.map((i) => i.instance_id);

/** Open handles of a kind, as Node counts them (`FSEventWrap` for fs.watch, `Timeout` for timers). */
const handles = (kind: string): number => process.getActiveResourcesInfo().filter((k) => k === kind).length;

/**
 * Waits until `count()` is `expected`, checking once per turn of the event loop: a closed
 * handle leaves Node's list only after libuv's close callback. Fails after `turns` turns.
 */
const settlesAt = async (count: () => number, expected: number, turns = 1000): Promise<number> => {
  for (let i = 0; i < turns && count() !== expected; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  return count();
};

describe('watchInstances (real files and fs.watch)', () => {
  let emissions: Emissions | undefined;
  /** Other recorders of a test, unsubscribed after it even when it fails half-way. */
  const others: Emissions[] = [];
  afterEach(() => {
    emissions?.subscription.unsubscribe();
    emissions = undefined;
    for (const other of others.splice(0)) other.subscription.unsubscribe();
  });

  it('emits the listing at subscription, then when a file is added and when one is removed', async () => {
    const dir = await tempDir();
    await writeJson(path.join(dir, 'a.json'), entryJson({ instance_id: 'a' }));
    emissions = new Emissions(watchInstances({ registryDir: dir, pollIntervalMs: 50 }));

    expect(ids(await emissions.next(() => true))).toEqual(['a']);
    await writeJson(path.join(dir, 'b.json'), entryJson({ instance_id: 'b', is_primary: false }));
    await emissions.next((l) => ids(l).join() === 'a,b');
    await fsp.rm(path.join(dir, 'a.json'));
    await emissions.next((l) => ids(l).join() === 'b');
    // Every emission differed from the one before it.
    const keys = emissions.values.map((l) => JSON.stringify([ids(l), l.stale.map((e) => e.file), l.invalid.map((e) => e.reason)]));
    expect(keys.every((k, i) => i === 0 || k !== keys[i - 1])).toBe(true);
    expect(emissions.error).toBeUndefined();
  });

  it('sees a change through fs.watch, long before the next poll', async () => {
    const dir = await tempDir();
    emissions = new Emissions(watchInstances({ registryDir: dir, pollIntervalMs: 3_600_000 }));
    await emissions.next(() => true);
    await writeJson(path.join(dir, 'a.json'), entryJson({ instance_id: 'a' }));
    await emissions.next((l) => ids(l).join() === 'a');
  });

  it('does not emit again while nothing changes', async () => {
    const dir = await tempDir();
    await writeJson(path.join(dir, 'a.json'), entryJson({ instance_id: 'a' }));
    let scans = 0;
    let onScan: (() => void) | undefined;
    const isAlive = (): boolean => {
      scans++;
      onScan?.();
      return true;
    };
    const fifthScan = new Promise<void>((resolve) => (onScan = () => scans >= 5 && resolve()));
    emissions = new Emissions(watchInstances({ registryDir: dir, pollIntervalMs: 20, isAlive }));
    await fifthScan;
    expect(emissions.values.map(ids)).toEqual([['a']]);
  });

  it('moves an entry to stale when its PID dies, without any file changing', async () => {
    const dir = await tempDir();
    await writeJson(path.join(dir, 'a.json'), entryJson({ instance_id: 'a', pid: 4242 }));
    let alive = true;
    emissions = new Emissions(watchInstances({ registryDir: dir, pollIntervalMs: 50, isAlive: () => alive }));
    expect(ids(await emissions.next(() => true))).toEqual(['a']);
    alive = false;
    const after = await emissions.next((l) => l.stale.length === 1);
    expect(ids(after)).toEqual([]);
    expect(after.stale.map((s) => s.instance_id)).toEqual(['a']);
  });

  it('reports a malformed file, then its repair', async () => {
    const dir = await tempDir();
    emissions = new Emissions(watchInstances({ registryDir: dir, pollIntervalMs: 50 }));
    await emissions.next(() => true);
    await fsp.writeFile(path.join(dir, 'a.json'), '{');
    await emissions.next((l) => l.invalid.length === 1 && l.invalid[0]!.file === path.join(dir, 'a.json'));
    await writeJson(path.join(dir, 'a.json'), entryJson({ instance_id: 'a' }));
    const repaired = await emissions.next((l) => ids(l).join() === 'a');
    expect(repaired.invalid).toEqual([]);
  });

  it('starts empty when the registry does not exist yet, and sees it once it is made', async () => {
    const parent = await tempDir();
    const dir = path.join(parent, 'pando-instances');
    emissions = new Emissions(watchInstances({ registryDir: dir, pollIntervalMs: 50 }));
    expect(await emissions.next(() => true)).toEqual({ instances: [], stale: [], invalid: [] });
    await fsp.mkdir(dir);
    await writeJson(path.join(dir, 'a.json'), entryJson({ instance_id: 'a' }));
    await emissions.next((l) => ids(l).join() === 'a');
    // Removed and made again: still followed.
    await fsp.rm(dir, { recursive: true });
    await emissions.next((l) => l.instances.length === 0);
    await fsp.mkdir(dir);
    await writeJson(path.join(dir, 'b.json'), entryJson({ instance_id: 'b' }));
    await emissions.next((l) => ids(l).join() === 'b');
  });

  it('shares one watcher between subscribers, replays the latest listing, and closes watcher and timer on the last unsubscribe', async () => {
    const dir = await tempDir();
    await writeJson(path.join(dir, 'a.json'), entryJson({ instance_id: 'a' }));
    const watchersBefore = handles('FSEventWrap');
    const timersBefore = handles('Timeout');

    const live$ = watchInstances({ registryDir: dir, pollIntervalMs: 50 });
    const first = new Emissions(live$);
    others.push(first);
    await first.next(() => true);
    expect(handles('FSEventWrap')).toBe(watchersBefore + 1);
    expect(handles('Timeout')).toBeGreaterThan(timersBefore);

    const second = new Emissions(live$);
    others.push(second);
    expect(second.values.map(ids)).toEqual([['a']]); // replayed at once, synchronously
    expect(handles('FSEventWrap')).toBe(watchersBefore + 1);

    first.subscription.unsubscribe();
    expect(handles('FSEventWrap')).toBe(watchersBefore + 1);
    second.subscription.unsubscribe();
    expect(await settlesAt(() => handles('FSEventWrap'), watchersBefore)).toBe(watchersBefore);
    expect(await settlesAt(() => handles('Timeout'), timersBefore)).toBe(timersBefore);
  });
});


describe('watchInstances (polling, in virtual time)', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  /** A registry with one entry, `a.json` (pid 4242), and its listings with that pid alive and dead. */
  const oneEntry = async (): Promise<{ dir: string; alive: InstanceListing; dead: InstanceListing }> => {
    const dir = await tempDir();
    await writeJson(path.join(dir, 'a.json'), entryJson({ instance_id: 'a', pid: 4242 }));
    const alive = watchListingNow(dir, () => true);
    const dead = watchListingNow(dir, () => false);
    return { dir, alive, dead };
  };
  /** The first (synchronous) listing of a fresh watch, taken at once. */
  const watchListingNow = (dir: string, isAlive: (pid: number) => boolean): InstanceListing => {
    let first: InstanceListing | undefined;
    watchInstances({ registryDir: dir, isAlive }).subscribe((listing) => (first = listing)).unsubscribe();
    if (first === undefined) throw new Error('no synchronous first listing');
    return first;
  };

  it('reads the registry at subscription and every pollIntervalMs, and emits only when the listing changes', async () => {
    const { dir, alive, dead } = await oneEntry();
    const scans: number[] = [];
    testScheduler.run(({ expectObservable }) => {
      const isAlive = (): boolean => {
        scans.push(testScheduler.now());
        return testScheduler.now() < 25; // the process dies between the scans at 20 and 30
      };
      expectObservable(watchInstances({ registryDir: dir, pollIntervalMs: 10, isAlive }), '^ 50ms !').toBe('a 29ms b', { a: alive, b: dead });
    });
    expect(scans).toEqual([0, 10, 20, 30, 40, 50]); // and none after the unsubscription
  });

  it('polls every 2000 ms by default, on the injected scheduler', async () => {
    const { dir, alive, dead } = await oneEntry();
    testScheduler.run(({ expectObservable }) => {
      const isAlive = (): boolean => testScheduler.now() < 1000;
      const source = watchInstances({ registryDir: dir, isAlive, scheduler: testScheduler });
      expectObservable(source, '^ 4500ms !').toBe(`a ${DEFAULT_POLL_INTERVAL_MS - 1}ms b`, { a: alive, b: dead });
    });
  });

  it('shares one scan per tick between subscribers, and a late subscriber gets the latest listing at once', async () => {
    const { dir, alive, dead } = await oneEntry();
    let scans = 0;
    testScheduler.run(({ expectObservable }) => {
      const isAlive = (): boolean => {
        scans++;
        return testScheduler.now() < 15;
      };
      const source = watchInstances({ registryDir: dir, pollIntervalMs: 10, isAlive });
      expectObservable(source, '^ 30ms !').toBe('a 19ms b', { a: alive, b: dead });
      expectObservable(source, '-- 23ms ^ 5ms !').toBe('-- 23ms b', { b: dead });
    });
    expect(scans).toBe(4); // at 0, 10, 20 and 30: one scan per tick for both subscribers
  });

  it('errors when isAlive throws', async () => {
    const { dir, alive } = await oneEntry();
    const failure = new Error('cannot tell');
    testScheduler.run(({ expectObservable }) => {
      const isAlive = (): boolean => {
        if (testScheduler.now() >= 20) throw failure;
        return true;
      };
      expectObservable(watchInstances({ registryDir: dir, pollIntervalMs: 10, isAlive })).toBe('a 19ms #', { a: alive }, failure);
    });
  });

  it('instances$ is the deprecated name of watchInstances', () => {
    expect(instances$).toBe(watchInstances);
  });
});
