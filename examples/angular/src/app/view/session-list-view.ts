import { combineLatest, map, type Observable } from 'rxjs';
import type { Mirror } from 'pando-rx/browser';

/** One row of the session list. */
export interface SessionRow {
  readonly id: string;
  /** The session's title, or its id when the title is empty. */
  readonly title: string;
  readonly messageCount: number;
  readonly updatedAt: Date;
  /** The instance's active session. */
  readonly active: boolean;
  /** The session the page shows. */
  readonly selected: boolean;
}

/** What the session list shows. */
export interface SessionListView {
  readonly instanceId: string;
  /** Newest first, as the mirror keeps them. */
  readonly rows: readonly SessionRow[];
  /** The row that is selected: the user's choice while it exists, else the active session, else the newest. */
  readonly selected: SessionRow | undefined;
}

/**
 * The list for one mirror and the user's choice. A chosen session that was deleted falls back
 * to the active one, so the page never shows a session that is gone.
 *
 * ```ts
 * listOf(mirror, undefined).selected?.id; // the active session's id
 * ```
 */
export const listOf = (mirror: Mirror, chosenId: string | undefined): SessionListView => {
  const selectedId =
    (chosenId !== undefined && mirror.get(chosenId) !== undefined ? chosenId : undefined) ??
    (mirror.activeSessionId !== undefined && mirror.get(mirror.activeSessionId) !== undefined ? mirror.activeSessionId : undefined) ??
    mirror.sessions[0]?.id;
  const rows = mirror.sessions.map(
    (session): SessionRow => ({
      id: session.id,
      title: session.title === '' ? session.id : session.title,
      messageCount: session.message_count,
      updatedAt: session.updated_at,
      active: session.id === mirror.activeSessionId,
      selected: session.id === selectedId,
    }),
  );
  return { instanceId: mirror.instanceId, rows, selected: rows.find((row) => row.selected) };
};

/**
 * The session list's stream: the live mirror (`RemoteInstance.mirror$`) joined with the
 * user's choice. Nothing is emitted before the mirror's first, complete snapshot.
 *
 * ```ts
 * sessionListView(pando.mirror$, chosen$).subscribe(({ rows }) => render(rows));
 * ```
 */
export const sessionListView = (mirror$: Observable<Mirror>, chosenId$: Observable<string | undefined>): Observable<SessionListView> =>
  combineLatest([mirror$, chosenId$]).pipe(map(([mirror, chosenId]) => listOf(mirror, chosenId)));
