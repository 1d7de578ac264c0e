import type { Session } from '../../codecs/payloads.js';
import type { MessageRecord } from '../../codecs/rpc.js';
import type { TurnScript } from '../script.js';
import type { MethodOverrides } from './methods.js';

/** The options of `startFakeInstance` and of `stop()`. */

/**
 * Which producer to imitate.
 * - `'full'`: a producer that runs the agent and publishes every topic (`llm.start`,
 *   `message.append`, `session.list`, real token counts) and serves all nine methods.
 * - `'pando'`: today's Pando builds: no `state.sync` / `instance.info` handler (-32601),
 *   `message.send` / `session.interrupt` answer -32000 `agent runner not available on this
 *   instance`, no `llm.start` / `message.append` / `session.list` events, `llm.end` with 0
 *   counts, quirky heartbeats (see {@link HeartbeatQuirk}).
 *
 * Both answer with Pando's own error texts (PROTOCOL.md §2), e.g. `session.get: sql: no rows in
 * result set` for an unknown session.
 */
export type FakeInstanceMode = 'pando' | 'full';

/**
 * The two heartbeat forms of current Pando builds (mode `'pando'` only), both with
 * `session_count` 0 and no `active_session_id`:
 * - `'pub-address'`: `instance_id` is the PUB endpoint (`tcp://127.0.0.1:<port>`), `uptime` and
 *   `started_at` are real;
 * - `'send-time'`: `instance_id` is right, `uptime` is `""` and `started_at` is the send time.
 */
export type HeartbeatQuirk = 'pub-address' | 'send-time';

/** Options of `startFakeInstance`. Every one is optional. */
export interface FakeInstanceOptions {
  /** Which producer to imitate. Default `'full'`. */
  readonly mode?: FakeInstanceMode;
  /** The instance id in envelopes, heartbeats and results. Default `fake-<8 hex digits>`. */
  readonly instanceId?: string;
  /** The envelopes' `projectId`. Default `''` (as Pando often sends). */
  readonly projectId?: string;
  /** Port of the PUB socket. Default a free port (`tcp://127.0.0.1:*`). */
  readonly pubPort?: number;
  /** Port of the ROUTER socket. Default a free port. */
  readonly rpcPort?: number;
  /**
   * How long to keep retrying a bind on a given port that is still in use (EADDRINUSE), e.g.
   * while a stopped instance's publisher lingers. Default 2000 ms.
   */
  readonly bindTimeoutMs?: number;
  /** The sessions to start with. Default two realistic sessions with messages (`defaultSeed`). */
  readonly sessions?: readonly Session[];
  /** Stored messages per session id, for `message.list`. Default those of `defaultSeed` when `sessions` is not given, else none. */
  readonly messages?: Readonly<Record<string, readonly MessageRecord[]>>;
  /** The active session. Default the most recently updated session; `null` for none. */
  readonly activeSessionId?: string | null;
  /** The LLM turn to play for a message. Default `defaultScript`. */
  readonly script?: TurnScript;
  /** Milliseconds between the steps of a turn (tokens, tool calls). Default 20; 0 = as fast as timers go. */
  readonly tokenIntervalMs?: number;
  /** Milliseconds between `instance.heartbeat` events. Default 5000; 0 disables them. */
  readonly heartbeatIntervalMs?: number;
  /** The heartbeat form in mode `'pando'`. Default `'pub-address'`. */
  readonly heartbeatQuirk?: HeartbeatQuirk;
  /** Replace or unregister method handlers (also at run time: `overrideMethod`). */
  readonly methods?: MethodOverrides;
}

/** Options of `stop()`. */
export interface StopOptions {
  /** The `reason` of `instance.shutdown`. Default none (the key is omitted). */
  readonly reason?: string;
  /** Close without publishing `instance.shutdown`, as Pando often does in effect. Default `false`. */
  readonly silent?: boolean;
  /**
   * ZMQ_LINGER of the publisher when it closes after `instance.shutdown`, so that the event
   * (and anything queued before it) can still leave. Default 100 ms; 0 may lose it, as Pando does.
   */
  readonly lingerMs?: number;
}
