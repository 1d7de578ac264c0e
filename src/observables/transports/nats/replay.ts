/**
 * What a NATS client asks to replay, and what it is told about the replay: the types of
 * `connectNats({ replay })` and its `replay$`. No NATS import.
 */

/**
 * Where a replay starts: at a time (`since`), or this many ms before the link opens (`last`).
 *
 * ```ts
 * const tenMinutes: ReplayFrom = { last: 10 * 60_000 };
 * const sinceMidnight: ReplayFrom = { since: new Date('2026-11-30T00:00:00Z') };
 * ```
 */
export type ReplayFrom = { readonly since: Date } | { readonly last: number };

/**
 * What a replay reports on `replay$`, in this order for each opening of the event link:
 * - `replaying`: it starts, from `from`;
 * - `gap` (at most once): the history does not reach back to `from`. `reason`: `retention` (the
 *   relay's limits discarded events after `from`), `not-recorded` (the stream began after
 *   `from`: nothing was kept before), `no-history` (no stream for this instance: its relay keeps
 *   no history, or the server has no JetStream; events are live only). `availableFrom`: the
 *   oldest event kept, when there is one;
 * - `caught-up`: every event stored when the replay started has been delivered (`replayed` of
 *   them, up to the stream sequence `seq`); what follows is live.
 */
export type ReplayReport =
  | { readonly kind: 'replaying'; readonly from: Date }
  | {
      readonly kind: 'gap';
      readonly reason: 'retention' | 'not-recorded' | 'no-history';
      readonly requestedFrom: Date;
      readonly availableFrom: Date | undefined;
    }
  | { readonly kind: 'caught-up'; readonly replayed: number; readonly seq: number };

/** The start time of `from`, for a link opened at `now` (ms). */
export const startOf = (from: ReplayFrom, now: number): Date => ('since' in from ? from.since : new Date(now - from.last));

/** What JetStream says of a stream's contents (the fields of its `StreamInfo` that a replay reads). */
export interface StoredRange {
  /** When the stream was made (ISO time). */
  readonly created: string;
  readonly state: {
    readonly messages: number;
    readonly first_seq: number;
    readonly first_ts: string;
    readonly last_seq: number;
    readonly last_ts: string;
  };
}

/**
 * The gap between what a replay asks (`from`) and what a stream holds, or `undefined` when the
 * stream holds everything since `from` (every event since then is there, or none happened).
 *
 * ```ts
 * gapOf(info, new Date(Date.now() - 3_600_000)); // { kind: 'gap', reason: 'retention', … } or undefined
 * ```
 */
export const gapOf = (info: StoredRange, from: Date): Extract<ReplayReport, { kind: 'gap' }> | undefined => {
  const { messages, first_seq, first_ts, last_seq, last_ts } = info.state;
  const asked = from.getTime();
  const availableFrom = messages > 0 ? new Date(first_ts) : undefined;
  const discarded = first_seq > 1 || (messages === 0 && last_seq > 0);
  if (discarded) {
    // Every discarded event is older than the oldest kept one (or than the last one, when none is kept).
    const keptFrom = messages > 0 ? Date.parse(first_ts) : Date.parse(last_ts) + 1;
    if (asked < keptFrom) return { kind: 'gap', reason: 'retention', requestedFrom: from, availableFrom };
  }
  if (asked < Date.parse(info.created)) return { kind: 'gap', reason: 'not-recorded', requestedFrom: from, availableFrom };
  return undefined;
};
