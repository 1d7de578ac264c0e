import { map, type Observable, type SchedulerLike } from 'rxjs';
import { liveMirror, type MirrorSyncError, type SyncRetryOptions } from '../operators/liveMirror.js';
import type { Session } from '../codecs/payloads.js';
import type { Mirror, MirrorSnapshot } from '../operators/mirrorState.js';
import type { InstanceSignal } from '../operators/signals.js';
import type { HubSignal } from './frame-hub.js';

/**
 * The old entry point of the live mirror, kept so that `RemoteInstance` builds until it pipes its
 * signals through `liveMirror` (in `src/operators/liveMirror.ts`, where the logic now lives).
 * This file then goes.
 */

export type { MirrorSyncError, SyncRetryOptions } from '../operators/liveMirror.js';

/** What the mirror needs from its instance. */
export interface MirrorSources {
  /** The shared socket's signals, with at least `session.` and `instance.` subscribed. */
  readonly signals: Observable<HubSignal>;
  /** One snapshot (`state.sync`, else `session.list`), cold. */
  readonly snapshot: () => Observable<MirrorSnapshot>;
  /** Each emission forces a new snapshot. */
  readonly resync$: Observable<unknown>;
  /** Told of every failed snapshot. */
  readonly onSyncError: (error: MirrorSyncError) => void;
  readonly scheduler: SchedulerLike;
  readonly retry?: SyncRetryOptions;
  /** Whether a session a `session.list` resync lacks still exists (`session.get`): see `liveMirror`. */
  readonly confirmSession?: (id: string) => Observable<Session | undefined>;
}

/** A hub signal as the one signal type: `instance.shutdown` becomes a `shutdown` signal. */
const toInstanceSignal = (signal: HubSignal): InstanceSignal => {
  if (signal.kind !== 'event') return { kind: signal.kind };
  const event = signal.event;
  return event.topic === 'instance.shutdown'
    ? ({ kind: 'shutdown', event } as InstanceSignal)
    : { kind: 'event', event };
};

/**
 * The live mirror of an instance's sessions: `liveMirror` over the hub's signals.
 *
 * @deprecated use `signals$.pipe(liveMirror({ snapshot, resync$, onSyncError, retry, scheduler }))`
 */
export const mirrorStream = (sources: MirrorSources): Observable<Mirror> =>
  sources.signals.pipe(
    map(toInstanceSignal),
    liveMirror({
      snapshot: sources.snapshot,
      resync$: sources.resync$,
      onSyncError: sources.onSyncError,
      scheduler: sources.scheduler,
      ...(sources.retry === undefined ? {} : { retry: sources.retry }),
      ...(sources.confirmSession === undefined ? {} : { confirmSession: sources.confirmSession }),
    }),
  );
