import { distinctUntilChanged, map, type Observable } from 'rxjs';
import type { LivenessStatus } from 'pando-rx/browser';

/** How a status is shown: its colour class. */
export type StatusTone = 'ok' | 'pending' | 'warn' | 'error';

/** What the status badge shows. */
export interface StatusView {
  readonly status: LivenessStatus;
  /** The badge's text, e.g. `bridge unreachable`. */
  readonly label: string;
  /** One sentence on what it means and what to do. */
  readonly hint: string;
  readonly tone: StatusTone;
}

const VIEWS: Record<LivenessStatus, Omit<StatusView, 'status'>> = {
  connecting: { label: 'connecting', hint: 'Waiting for the bridge and the instance to answer.', tone: 'pending' },
  alive: { label: 'live', hint: 'The instance is up and its heartbeats arrive.', tone: 'ok' },
  stale: { label: 'no heartbeat', hint: 'The instance has been silent for longer than its heartbeat.', tone: 'warn' },
  down: { label: 'instance down', hint: 'The bridge is up, but the Pando instance behind it is not.', tone: 'error' },
  unreachable: {
    label: 'bridge unreachable',
    hint: 'The page cannot reach pando-rx bridge; it keeps trying and resyncs when it is back.',
    tone: 'error',
  },
};

/**
 * The badge for one status. `unreachable` (the bridge is gone) and `down` (the instance is
 * gone, the bridge is up) read differently, because the fix differs.
 *
 * ```ts
 * describeStatus('unreachable').label; // 'bridge unreachable'
 * ```
 */
export const describeStatus = (status: LivenessStatus): StatusView => ({ status, ...VIEWS[status] });

/**
 * The status badge's stream: one view per change of `status$` (a `RemoteInstance`'s).
 *
 * ```ts
 * statusView(pando.status$).subscribe(({ label }) => console.log(label));
 * ```
 */
export const statusView = (status$: Observable<LivenessStatus>): Observable<StatusView> =>
  status$.pipe(distinctUntilChanged(), map(describeStatus));
