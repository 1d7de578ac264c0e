/**
 * The registry over time: `watchInstances()`, a poll timer (plus `fs.watch` as a hint that
 * something changed) mapped to registry scans, with equal listings dropped.
 */
import * as fs from 'node:fs';
import {
  BehaviorSubject,
  EMPTY,
  Observable,
  asapScheduler,
  asyncScheduler,
  auditTime,
  defer,
  distinctUntilChanged,
  finalize,
  map,
  merge,
  shareReplay,
  startWith,
  switchMap,
  tap,
  timer,
  type SchedulerLike,
} from 'rxjs';
import { isPidAlive } from './pid.js';
import { resolveRegistryDir, scanRegistry, type InstanceInfo, type InstanceListing, type ListInstancesOptions } from './registry.js';

/** Options of {@link watchInstances}. */
export interface WatchInstancesOptions extends ListInstancesOptions {
  /** How often the registry is read again, and PIDs checked, in ms; default 2000. */
  readonly pollIntervalMs?: number;
  /** The scheduler of the poll timer; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

/** @deprecated use {@link WatchInstancesOptions} (the options of `watchInstances`). */
export type InstancesOptions = WatchInstancesOptions;

/** The default of {@link WatchInstancesOptions.pollIntervalMs}. */
export const DEFAULT_POLL_INTERVAL_MS = 2000;

const sameInstance = (a: InstanceInfo, b: InstanceInfo): boolean =>
  a.file === b.file &&
  a.instance_id === b.instance_id &&
  a.path === b.path &&
  a.pid === b.pid &&
  a.pub_port === b.pub_port &&
  a.rpc_port === b.rpc_port &&
  a.started_at.getTime() === b.started_at.getTime() &&
  a.mode === b.mode &&
  a.is_primary === b.is_primary;

const sameList = <A>(a: readonly A[], b: readonly A[], same: (x: A, y: A) => boolean): boolean =>
  a.length === b.length && a.every((x, i) => same(x, b[i]!));

/**
 * Whether two listings hold the same thing: every decoded field of every live entry, the
 * stale entries (file, id, pid) and the unusable files (file, reason), in order.
 */
const sameListing = (a: InstanceListing, b: InstanceListing): boolean =>
  sameList(a.instances, b.instances, sameInstance) &&
  sameList(a.stale, b.stale, (x, y) => x.file === y.file && x.instance_id === y.instance_id && x.pid === y.pid) &&
  sameList(a.invalid, b.invalid, (x, y) => x.file === y.file && x.reason === y.reason);

/**
 * Emits (nothing) each time `fs.watch` reports a change in `dir`. A hint only: it completes
 * quietly when the directory cannot be watched or the watcher fails, and polling goes on.
 */
const changesIn = (dir: string): Observable<void> =>
  new Observable<void>((subscriber) => {
    let watcher: fs.FSWatcher;
    try {
      watcher = fs.watch(dir, { persistent: true }, () => subscriber.next());
    } catch {
      subscriber.complete(); // vanished meanwhile, or not supported here
      return undefined;
    }
    watcher.on('error', () => subscriber.complete());
    return () => watcher.close();
  });

/**
 * The live listing of the registry: emits the listing at subscription, then each time it
 * changes (an entry appears, vanishes or changes, a PID dies, a file turns bad or good).
 * Equal listings are not emitted twice.
 *
 * ```
 * scans:    s----s---s----s----s---->   (at subscription, every pollIntervalMs, and on an fs.watch hint)
 * listing:  a----a---b----b----c---->
 * result:   a--------b---------c---->   (distinct listings only)
 * ```
 *
 * It reads the registry every `pollIntervalMs`, and at once when `fs.watch` reports a change
 * in the directory (a hint, following the directory when it is removed and made anew):
 * `fs.watch` can miss events, the directory may not exist yet, and a PID dying changes no
 * file. Every read is bounded and refuses what the trust model refuses (see `listInstances`).
 * Hot and ref-counted: subscribers of one returned Observable share one watcher and one
 * timer, a late subscriber gets the latest listing at once, and both close when the last
 * subscriber leaves. While subscribed, the watcher and the timer keep the Node process alive.
 * Errors only when `isAlive` throws.
 *
 * ```ts
 * const subscription = watchInstances({ pollIntervalMs: 1000 }).subscribe(({ instances }) =>
 *   console.log(`${instances.length} running`),
 * );
 * ```
 */
export const watchInstances = (options: WatchInstancesOptions = {}): Observable<InstanceListing> => {
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const scheduler = options.scheduler ?? asyncScheduler;
  const isAlive = options.isAlive ?? isPidAlive;
  return defer(() => {
    // Resolved per subscription, so that a change of $PANDO_REGISTRY_DIR applies to the next one.
    const dir = resolveRegistryDir(options.registryDir);
    // The inode of the directory now being read: a new one (made anew) gets a new watcher.
    const dirIno$ = new BehaviorSubject<number | undefined>(undefined);
    const hints$ = dirIno$.pipe(
      distinctUntilChanged(),
      switchMap((ino) => (ino === undefined ? EMPTY : changesIn(dir))),
      auditTime(0, asapScheduler), // a burst of events (a file written in steps) is read once
    );
    // The first scan is synchronous: a subscriber has the listing at once.
    return merge(timer(pollIntervalMs, pollIntervalMs, scheduler), hints$).pipe(
      startWith(undefined),
      map(() => scanRegistry(dir, isAlive)),
      tap((scan) => dirIno$.next(scan.dirIno)),
      map((scan) => scan.listing),
      distinctUntilChanged(sameListing),
      finalize(() => dirIno$.complete()),
    );
  }).pipe(shareReplay({ bufferSize: 1, refCount: true }));
};

/** @deprecated use {@link watchInstances}: `instances$` was a function, not an Observable. */
export const instances$ = watchInstances;
