/**
 * The dashboard's pure view logic: what to show, from what the streams said. No DOM, no
 * sockets: unit-tested in test/dashboard/. The DOM half (`render.ts`, `main.ts`) only copies
 * these values into elements, always with `textContent`.
 *
 * ```ts
 * statusView({ refused: false, fleetReachable: true, instance: 'alive', hasInstance: true }); // { tone: 'ok', label: 'alive', … }
 * ```
 */
import type { ToolStartPayload } from '../codecs/payloads.js';
import type { LivenessStatus } from '../operators/liveness.js';
import type { ToolCall } from '../operators/toolCalls.js';
import type { StreamedText } from '../operators/streamText.js';

/** The bridge's token from the page's fragment (`#token=…`), which is never sent to the server. */
export const tokenFromFragment = (hash: string): string | undefined => {
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  return token === null || token.trim() === '' ? undefined : token.trim();
};

/**
 * Text from the instance made safe to show on one line: control characters (C0, DEL, C1, and
 * the bidirectional overrides that can disguise text) become `�`, runs of white space one space.
 */
export const oneLine = (text: string, max = 200): string => {
  const flat = printable(text).replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** Text from the instance with its control characters (but new lines and tabs) shown as `�`. */
export const printable = (text: string): string =>
  // eslint-disable-next-line no-control-regex
  text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g, '\uFFFD');

/** `1234` → `1.2 s`; `undefined` → `—`. */
export const formatDuration = (ms: number | undefined): string => {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')} s`;
};

/** How long ago `then` was, in a few characters: `just now`, `42 s ago`, `5 min ago`, `3 h ago`, `2 d ago`. */
export const formatAgo = (then: Date, now: Date): string => {
  const seconds = Math.round((now.getTime() - then.getTime()) / 1000);
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
};

/** The last part of a path (`/work/app` → `app`), or the whole when it has none. */
export const baseName = (path: string): string => path.replace(/\/+$/, '').split('/').pop() || path;

/** The tone of the status pill. */
export type Tone = 'ok' | 'warn' | 'bad' | 'idle';

/** The status pill: its tone, its word, and a line that explains it. */
export interface StatusView {
  readonly tone: Tone;
  readonly label: string;
  readonly detail: string;
}

/** What the status pill is made of. */
export interface StatusInput {
  /** The bridge answers HTTP but refuses the WebSocket: the token is wrong. */
  readonly refused: boolean;
  /** From the fleet side: undefined before it said anything. */
  readonly fleetReachable: boolean | undefined;
  /** The selected instance's `status$`, if one is selected. */
  readonly instance: LivenessStatus | undefined;
  readonly hasInstance: boolean;
}

/**
 * The status pill. "bridge unreachable" (the bridge itself is gone) and "instance down" (the
 * bridge is there, the instance behind it is not) are told apart.
 */
export const statusView = ({ refused, fleetReachable, instance, hasInstance }: StatusInput): StatusView => {
  if (refused) return { tone: 'bad', label: 'refused', detail: 'The bridge refused the token: paste the one it printed.' };
  if (fleetReachable === false || instance === 'unreachable') {
    return { tone: 'bad', label: 'bridge unreachable', detail: 'The bridge cannot be reached; retrying with backoff.' };
  }
  if (fleetReachable === undefined) return { tone: 'idle', label: 'connecting', detail: 'Connecting to the bridge…' };
  if (!hasInstance) return { tone: 'idle', label: 'no instance', detail: 'The bridge serves no instance right now.' };
  switch (instance) {
    case 'alive':
      return { tone: 'ok', label: 'alive', detail: 'The instance is live.' };
    case 'stale':
      return { tone: 'warn', label: 'stale', detail: 'No heartbeat from the instance for a while.' };
    case 'down':
      return { tone: 'bad', label: 'instance down', detail: 'The bridge is up, the instance behind it is not.' };
    default:
      return { tone: 'idle', label: 'connecting', detail: 'Connecting to the instance…' };
  }
};

/** The id to select among `ids`: the current one if still there, else the preferred, else the first. */
export const keepSelection = (ids: readonly string[], current: string | undefined, preferred?: string): string | undefined => {
  if (current !== undefined && ids.includes(current)) return current;
  if (preferred !== undefined && ids.includes(preferred)) return preferred;
  return ids[0];
};

/** One row of the tool-call pane. */
export interface ToolRow {
  readonly callId: string;
  readonly sessionId: string;
  readonly toolName: string;
  readonly params: string;
  readonly status: 'running' | ToolCall['status'];
  readonly durationMs?: number;
  readonly result?: string;
}

/** How many tool rows are kept per instance (the newest). */
export const MAX_TOOL_ROWS = 100;

/** `rows` with `row` replacing the row of the same call (or appended), the newest `MAX_TOOL_ROWS` kept. */
export const upsertToolRow = (rows: readonly ToolRow[], row: ToolRow): readonly ToolRow[] => {
  const index = rows.findIndex((r) => r.callId === row.callId && r.sessionId === row.sessionId);
  const next = index < 0 ? [...rows, row] : rows.map((r, i) => (i === index ? row : r));
  return next.length > MAX_TOOL_ROWS ? next.slice(next.length - MAX_TOOL_ROWS) : next;
};

/** A call that has started (a `tool.start`) as a row, until its end replaces it. */
export const runningToolRow = (payload: ToolStartPayload): ToolRow => ({
  callId: payload.call_id,
  sessionId: payload.session_id,
  toolName: payload.tool_name,
  params: payload.params,
  status: 'running',
});

/** A finished call (from `toolCalls()`) as a row. */
export const toolRowOf = (call: ToolCall): ToolRow => ({
  callId: call.callId,
  sessionId: call.sessionId,
  toolName: call.toolName,
  params: call.params,
  status: call.status,
  ...(call.durationMs === undefined ? {} : { durationMs: call.durationMs }),
  ...(call.result === undefined ? {} : { result: call.result }),
});

/** One message of the transcript. */
export interface TranscriptMessage {
  readonly id: string;
  readonly role: string;
  readonly content: string;
}

/** A session's transcript: its stored messages, and the turn streaming now (or just ended, not yet stored). */
export interface Transcript {
  readonly messages: readonly TranscriptMessage[];
  readonly live?: { readonly text: string; readonly status: StreamedText['status'] };
}

/** The empty transcript. */
export const EMPTY_TRANSCRIPT: Transcript = { messages: [] };

/** The stored messages (`message.list`) under what arrived meanwhile (kept, without doubles). */
export const withHistory = (transcript: Transcript, history: readonly TranscriptMessage[]): Transcript => {
  const ids = new Set(history.map((message) => message.id));
  return { ...transcript, messages: [...history, ...transcript.messages.filter((message) => !ids.has(message.id))] };
};

/** A `message.append`: added once; an assistant message ends the live turn it stores. */
export const withAppended = (transcript: Transcript, message: TranscriptMessage): Transcript => {
  if (transcript.messages.some((m) => m.id === message.id)) return transcript;
  const messages = [...transcript.messages, message];
  return message.role === 'assistant' && transcript.live !== undefined && transcript.live.status !== 'streaming' ? { messages } : { ...transcript, messages };
};

/** The turn's text as `streamText()` emits it. */
export const withStreamed = (transcript: Transcript, text: StreamedText): Transcript => ({
  ...transcript,
  live: { text: text.text, status: text.status },
});
