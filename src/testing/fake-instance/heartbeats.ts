import type { PayloadOf } from '../../codecs/topics.js';
import { formatGoDuration, type Duration } from '../../codecs/values.js';
import type { FakeInstanceMode, HeartbeatQuirk } from './options.js';

/** What the fake instance says about itself over time: its uptime and its heartbeats. */

/** What a heartbeat reports. */
export interface HeartbeatState {
  readonly mode: FakeInstanceMode;
  readonly quirk: HeartbeatQuirk;
  readonly instanceId: string;
  readonly pubEndpoint: string;
  readonly startedAt: Date;
  readonly activeSessionId: string | undefined;
  readonly sessionCount: number;
}

/**
 * The time from `startedAt` to `now`, as a Go duration.
 *
 * ```ts
 * uptimeSince(new Date(0), new Date(90_000)).text; // '1m30s'
 * ```
 */
export const uptimeSince = (startedAt: Date, now: Date = new Date()): Duration => {
  const ms = Math.max(0, now.getTime() - startedAt.getTime());
  return { ms, text: formatGoDuration(ms) };
};

/**
 * The `instance.heartbeat` payload sent at `now`: the full payload in full mode; in pando mode
 * one of the two forms of current Pando builds (see `HeartbeatQuirk`).
 *
 * ```ts
 * heartbeatPayload({ ...state, mode: 'pando', quirk: 'send-time' }, now).uptime; // { ms: 0, text: '' }
 * ```
 */
export const heartbeatPayload = (state: HeartbeatState, now: Date = new Date()): PayloadOf<'instance.heartbeat'> => {
  if (state.mode === 'full') {
    return {
      instance_id: state.instanceId,
      ...(state.activeSessionId === undefined ? {} : { active_session_id: state.activeSessionId }),
      session_count: state.sessionCount,
      uptime: uptimeSince(state.startedAt, now),
      started_at: state.startedAt,
    };
  }
  return state.quirk === 'pub-address'
    ? { instance_id: state.pubEndpoint, session_count: 0, uptime: uptimeSince(state.startedAt, now), started_at: state.startedAt }
    : { instance_id: state.instanceId, session_count: 0, uptime: { ms: 0, text: '' }, started_at: now };
};
