import { formatRfc3339, type Duration } from '../../codecs/values.js';
import { FakeMethodError } from './errors.js';
import type { MethodHandlers } from './methods.js';
import type { FakeInstanceMode } from './options.js';
import type { EventPublisher } from './publisher.js';
import type { SessionStore } from './session-store.js';
import type { TurnPlayer } from './turn-player.js';

/**
 * What the fake instance answers to each of the nine methods by default, in each mode, with
 * Pando's own texts (PROTOCOL.md §2).
 */

/** Real Pando's storage error for a session id it does not have (Go's `sql.ErrNoRows`, passed through). */
const NO_ROWS = 'sql: no rows in result set';

/** What current Pando builds answer to `message.send` and `session.interrupt`. */
const NO_AGENT_RUNNER = 'agent runner not available on this instance';

/** What the default methods read and change. */
export interface DefaultMethodsContext {
  readonly mode: FakeInstanceMode;
  readonly store: SessionStore;
  readonly player: TurnPlayer;
  readonly publisher: EventPublisher;
  readonly instanceId: string;
  readonly projectId: string;
  readonly pubEndpoint: string;
  readonly rpcEndpoint: string;
  readonly startedAt: Date;
  /** The time since start, as a Go duration. */
  readonly uptime: () => Duration;
}

/**
 * The default handlers of a mode. Both modes: an unknown session is `-32000 <method>: sql: no
 * rows in result set` (`session.get`, `session.activate`), and `message.list` of one is an empty
 * list (a query that finds no rows). Full mode: `message.send` to an unknown session answers
 * `{ ok: true }` and publishes nothing, as Pando does. Pando mode: no `state.sync` or
 * `instance.info` handler (-32601), and no agent runner behind `message.send` and
 * `session.interrupt` (-32000).
 *
 * ```ts
 * const methods = new MethodRegistry(defaultMethods(context));
 * ```
 */
export const defaultMethods = (context: DefaultMethodsContext): MethodHandlers => {
  const { store, player, publisher } = context;
  const noRunner = (): never => {
    throw new FakeMethodError(NO_AGENT_RUNNER);
  };
  const shared: MethodHandlers = {
    'instance.ping': () => ({ status: 'ok', instance_id: context.instanceId, uptime: context.uptime() }),
    'session.list': () => store.list(),
    'session.get': ({ session_id }) => {
      const session = store.get(session_id);
      if (session === undefined) throw new FakeMethodError(NO_ROWS);
      return session;
    },
    'session.activate': ({ session_id }) => {
      const session = store.activate(session_id);
      if (session === undefined) throw new FakeMethodError(NO_ROWS);
      publisher.announce('session.activated', session);
      return { ok: true };
    },
    'message.list': ({ session_id }) => store.messages(session_id),
  };
  if (context.mode === 'pando') return { ...shared, 'message.send': noRunner, 'session.interrupt': noRunner };
  return {
    ...shared,
    'message.send': ({ session_id, content }) => {
      if (!store.has(session_id)) return { ok: true }; // Pando answers, then publishes nothing
      if (player.isRunning(session_id)) throw new FakeMethodError('session is busy');
      // The turn runs on; its promise settles when it ends and nobody needs it here.
      void player.start(session_id, content);
      return { ok: true };
    },
    'session.interrupt': ({ session_id }) => {
      player.interrupt(session_id); // nothing to cancel is not an error
      return { ok: true };
    },
    'state.sync': () => ({
      sessions: store.list(),
      instance_id: context.instanceId,
      ...(store.activeSessionId === undefined ? {} : { active_session_id: store.activeSessionId }),
    }),
    'instance.info': () => ({
      name: 'pando-rx fake instance',
      instance_id: context.instanceId,
      project_id: context.projectId,
      mode: context.mode,
      pid: process.pid,
      pub_endpoint: context.pubEndpoint,
      rpc_endpoint: context.rpcEndpoint,
      started_at: formatRfc3339(context.startedAt),
      uptime: context.uptime().text,
      session_count: store.size,
    }),
  };
};
