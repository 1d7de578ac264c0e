/**
 * Formatting for people (aligned tables, relative ages) and for machines (`--json`:
 * the protocol's own records in their wire form, dates as RFC 3339, inside camelCase wrappers).
 */
import { formatRfc3339, payloadCodecFor, type MessageRecord, type Mirror, type PandoEvent, type RegistryEntry, type Session } from '../index.js';
import { displayWidth, padEnd, padStart, truncate, type Text } from './text.js';

// ---- times ------------------------------------------------------------------------------------

/** Go's zero time, or anything before year 2: "never". */
const isZeroTime = (date: Date): boolean => date.getUTCFullYear() < 2;

/** `date` relative to `now`: `just now`, `45s ago`, `3m ago`, `2h ago`, `5d ago`, `in 3m`, `never`. */
export const relativeAge = (date: Date, now: Date): string => {
  if (isZeroTime(date)) return 'never';
  const seconds = Math.round((now.getTime() - date.getTime()) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 5) return 'just now';
  const amount =
    abs < 60
      ? `${abs}s`
      : abs < 3600
        ? `${Math.floor(abs / 60)}m`
        : abs < 86_400
          ? `${Math.floor(abs / 3600)}h`
          : abs < 86_400 * 365
            ? `${Math.floor(abs / 86_400)}d`
            : `${Math.floor(abs / (86_400 * 365))}y`;
  return seconds >= 0 ? `${amount} ago` : `in ${amount}`;
};

const two = (n: number): string => String(n).padStart(2, '0');

/** Local wall-clock time, `HH:MM:SS`. */
export const clockTime = (date: Date): string => `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;

/** A duration for people: `850 ms`, `1.2 s`, `3m 05s`. */
export const humanDuration = (ms: number): string => {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}m ${two(Math.floor((ms % 60_000) / 1000))}s`;
};

// ---- tables -----------------------------------------------------------------------------------

/** A column of {@link table}. */
export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
  /** The one column that gives way (is truncated) when the table is wider than the terminal. */
  readonly flexible?: boolean;
  /** Styles a cell once padded. */
  readonly style?: (text: Text, row: number) => Text;
}

/**
 * An aligned table: a header, then one line per row, columns two spaces apart, widths in
 * display columns. The flexible column is truncated so that each line fits in `width` (it keeps
 * at least 8 columns).
 *
 * ```ts
 * table([{ header: 'ID' }, { header: 'TITLE', flexible: true }], [['5b0c7a52', 'Fix the login test']], 80);
 * ```
 */
export const table = (columns: readonly Column[], rows: readonly (readonly Text[])[], width: number, header: (text: Text) => Text = (t) => t): Text[] => {
  const widths = columns.map((column, i) => Math.max(displayWidth(column.header), ...rows.map((row) => displayWidth(row[i] ?? ''))));
  const flexible = columns.findIndex((column) => column.flexible === true);
  if (flexible >= 0 && Number.isFinite(width)) {
    const others = widths.reduce((sum, w, i) => (i === flexible ? sum : sum + w), 0) + 2 * (columns.length - 1);
    widths[flexible] = Math.max(Math.min(widths[flexible]!, width - others), Math.min(8, widths[flexible]!));
  }
  const last = columns.length - 1;
  const render = (cells: readonly Text[], row: number): Text =>
    cells.flatMap((cell, i) => {
      const column = columns[i]!;
      const cut = i === flexible ? truncate(cell, widths[i]!) : cell;
      // No trailing spaces after the last column.
      const padded = column.align === 'right' ? padStart(cut, widths[i]!) : i === last ? cut : padEnd(cut, widths[i]!);
      const styled = row >= 0 && column.style !== undefined ? column.style(padded, row) : padded;
      return i === 0 ? [styled] : ['  ', styled];
    });
  return [header(render(columns.map((c) => c.header), -1)), ...rows.map((row, i) => render(row, i))];
};

/**
 * The shortest prefix length (at least `min`) that tells every id apart, like git's short
 * hashes: the table shows that much of each id, and the commands accept any unique prefix.
 */
export const uniquePrefixLength = (ids: readonly string[], min = 8): number => {
  let length = min;
  for (;;) {
    const prefixes = new Set(ids.map((id) => id.slice(0, length)));
    if (prefixes.size === new Set(ids).size || ids.every((id) => id.length <= length)) return length;
    length++;
  }
};

// ---- JSON -------------------------------------------------------------------------------------

/** A session as on the wire: `{ id, title, updated_at, message_count }`. */
export const sessionJson = (session: Session): unknown => ({
  id: session.id,
  title: session.title,
  updated_at: formatRfc3339(session.updated_at),
  message_count: session.message_count,
});

/** A stored message as on the wire: `{ id, role, content, created_at }`. */
export const messageJson = (message: MessageRecord): unknown => ({
  id: message.id,
  role: message.role,
  content: message.content,
  created_at: formatRfc3339(message.created_at),
});

/** A registry entry as in its file, plus the file it came from. */
export const registryEntryJson = (entry: RegistryEntry & { readonly file: string }): unknown => ({
  instance_id: entry.instance_id,
  path: entry.path,
  pid: entry.pid,
  pub_port: entry.pub_port,
  rpc_port: entry.rpc_port,
  started_at: formatRfc3339(entry.started_at),
  mode: entry.mode,
  is_primary: entry.is_primary,
  file: entry.file,
});

/** A mirror: `{ instanceId, activeSessionId, source, syncedAt, sessions }` (`activeSessionId` null when none). */
export const mirrorJson = (mirror: Mirror): unknown => ({
  instanceId: mirror.instanceId,
  activeSessionId: mirror.activeSessionId ?? null,
  source: mirror.source,
  syncedAt: formatRfc3339(mirror.syncedAt),
  sessions: mirror.sessions.map(sessionJson),
});

/**
 * An event as Pando publishes its envelope: `{ instanceId, projectId, sessionId?, topic,
 * timestamp, payload }`, the payload encoded by its topic's codec (dates as RFC 3339,
 * durations as Go text); unknown topics keep their raw payload.
 */
export const eventJson = (event: PandoEvent): unknown => {
  const codec = payloadCodecFor(event.topic);
  return {
    instanceId: event.instanceId,
    projectId: event.projectId,
    ...(event.sessionId === undefined || event.sessionId === '' ? {} : { sessionId: event.sessionId }),
    topic: event.topic,
    timestamp: formatRfc3339(event.timestamp),
    payload: codec === undefined ? event.payload : codec.encode(event.payload),
  };
};
