import { defer, distinctUntilChanged, scan, startWith } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import type { PandoEvent } from '../codecs/topics.js';
import { applyMirrorEvent, createMirror } from './internal/mirrorStore.js';
import type { Mirror, MirrorSnapshot } from './internal/mirrorStore.js';

export { applyMirrorEvent, createMirror } from './internal/mirrorStore.js';
export type { Mirror, MirrorSnapshot, MirrorSource } from './internal/mirrorStore.js';

/**
 * Keeps a live, immutable mirror of an instance's sessions: the snapshot's Mirror first, then
 * one new Mirror per event that changes it.
 *
 * ```
 * events: ---u---x---d---a---|
 * mirror: m--n-------o---p---|
 *
 * m: the snapshot's Mirror (at subscription); u: session.update, d: session.deleted,
 * a: session.activated; x: an event that changes nothing (an update deep-equal to the session,
 * a delete of an unknown id, another topic), for which nothing is emitted.
 * ```
 *
 * Each Mirror is a new frozen, immutable object; sessions that did not change keep their
 * identity (cheap `distinctUntilChanged`, Angular `OnPush`). One change costs one copy of the
 * sorted `sessions` array (no sort). An older copy of a session never replaces a newer one
 * (Pando publishes each save twice, the second copy sometimes late), and a heartbeat's
 * `active_session_id` fills `activeSessionId`: see `applyMirrorEvent`.
 * The state lives in each subscription; errors and completion pass through.
 *
 * The event's `instanceId` is ignored (Pando's heartbeats make it unreliable): feed the events of
 * the instance the snapshot came from.
 *
 * @example
 * ```ts
 * import { mirrorState } from 'pando-rx';
 *
 * const snapshot = { instanceId, sessions, source: 'session.list' as const, syncedAt: new Date() };
 * events$.pipe(mirrorState(snapshot)).subscribe((mirror) => {
 *   console.log(mirror.size, mirror.activeSessionId, mirror.sessions[0]?.title);
 * });
 * ```
 */
export function mirrorState(snapshot: MirrorSnapshot): OperatorFunction<PandoEvent, Mirror> {
  return (source) =>
    defer(() => {
      const initial = createMirror(snapshot);
      return source.pipe(scan(applyMirrorEvent, initial), startWith(initial), distinctUntilChanged());
    });
}
