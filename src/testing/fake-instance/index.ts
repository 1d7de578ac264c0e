import { randomBytes } from 'node:crypto';
import { Subscription, interval } from 'rxjs';
import type * as zmq from 'zeromq';
import { loadZeromq } from '../../observables/transports/zeromq/load-zeromq.js';
import type { EventHeader, KnownTopic, PandoEvent, PayloadOf } from '../../codecs/topics.js';
import { defaultScript } from '../script.js';
import { defaultSeed } from '../sessions.js';
import { bindLoopback, portOf } from './bind.js';
import { defaultMethods } from './default-methods.js';
import { FakeInstanceStoppedError } from './errors.js';
import type { FakeInstance } from './fake-instance.js';
import { heartbeatPayload, uptimeSince } from './heartbeats.js';
import { MethodRegistry } from './methods.js';
import type { FakeInstanceOptions, StopOptions } from './options.js';
import { EventPublisher } from './publisher.js';
import { ReplyControls } from './reply-controls.js';
import { RequestLog } from './request-log.js';
import { RpcServer } from './rpc-server.js';
import { activateSession, deleteSession, upsertSession, type SessionChangesContext } from './session-changes.js';
import { SessionStore } from './session-store.js';
import { TurnPlayer } from './turn-player.js';

/**
 * `startFakeInstance`: binds the sockets and wires the parts of a fake instance together
 * (store, publisher, turn player, methods, RPC server, request log, reply controls) behind the
 * one `FakeInstance` type. Node-only.
 */

export { FakeInstanceStoppedError, FakeMethodError, FakeWaitTimeoutError } from './errors.js';
export type { FakeInstance } from './fake-instance.js';
export type { MethodHandler, MethodOverrides } from './methods.js';
export type { FakeInstanceMode, FakeInstanceOptions, HeartbeatQuirk, StopOptions } from './options.js';
export type { ReleaseOrder } from './reply-controls.js';
export { DEFAULT_WAIT_TIMEOUT_MS } from './request-log.js';
export type { RecordedReply, RecordedRequest, RequestMatch, RpcReplyJson, WaitOptions } from './request-log.js';
export type { TurnOutcome, TurnResult } from './turn-player.js';

const rejectStopped = (what: string): Promise<never> => Promise.reject(new FakeInstanceStoppedError(what));

/** Builds a running instance on two bound sockets. */
const assemble = (pub: zmq.Publisher, router: zmq.Router, pubEndpoint: string, rpcEndpoint: string, options: FakeInstanceOptions): FakeInstance => {
  const mode = options.mode ?? 'full';
  const full = mode === 'full';
  const instanceId = options.instanceId ?? `fake-${randomBytes(4).toString('hex')}`;
  const projectId = options.projectId ?? '';
  const startedAt = new Date();
  const seed = options.sessions === undefined ? defaultSeed(startedAt) : { sessions: options.sessions, messages: {} };

  const store = new SessionStore({
    sessions: seed.sessions,
    messages: { ...seed.messages, ...options.messages },
    activeSessionId: options.activeSessionId,
  });
  const publisher = new EventPublisher(pub, { instanceId, projectId, envelopeSessionId: full });
  const player = new TurnPlayer({
    store,
    publisher,
    full,
    tokenIntervalMs: Math.max(0, options.tokenIntervalMs ?? 20),
    script: options.script ?? defaultScript,
  });
  const uptime = () => uptimeSince(startedAt);
  const methods = new MethodRegistry(
    defaultMethods({ mode, store, player, publisher, instanceId, projectId, pubEndpoint, rpcEndpoint, startedAt, uptime }),
    options.methods,
  );
  const log = new RequestLog();
  const controls = new ReplyControls<Buffer>();
  const server = new RpcServer(router, log, methods, controls);
  const changes: SessionChangesContext = { store, publisher, player, full };
  const heartbeatQuirk = options.heartbeatQuirk ?? 'pub-address';
  const heartbeat = () =>
    heartbeatPayload({
      mode,
      quirk: heartbeatQuirk,
      instanceId,
      pubEndpoint,
      startedAt,
      activeSessionId: store.activeSessionId,
      sessionCount: store.size,
    });

  const timers = new Subscription();
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 5000;
  if (heartbeatIntervalMs > 0) {
    timers.add(interval(heartbeatIntervalMs).subscribe(() => publisher.announce('instance.heartbeat', heartbeat())));
  }

  let stopping: Promise<void> | undefined;
  const shutdown = async ({ reason, silent = false, lingerMs = 100 }: StopOptions): Promise<void> => {
    timers.unsubscribe();
    player.stop();
    const lastEvent = silent
      ? undefined
      : publisher.eventOf('instance.shutdown', { instance_id: instanceId, ...(reason === undefined || reason === '' ? {} : { reason }) });
    await Promise.all([publisher.close({ lastEvent, lingerMs: silent ? 0 : lingerMs }), server.close()]);
    log.close();
  };
  /** Runs `act` unless the instance is stopped (then rejects with what could not be done). */
  const unlessStopped = <T>(what: string, act: () => Promise<T>): Promise<T> => (stopping === undefined ? act() : rejectStopped(what));

  return {
    instanceId,
    projectId,
    mode,
    pubEndpoint,
    rpcEndpoint,
    pubPort: portOf(pubEndpoint),
    rpcPort: portOf(rpcEndpoint),
    startedAt,
    get stopped() {
      return stopping !== undefined;
    },
    stop: (stopOptions = {}) => (stopping ??= shutdown(stopOptions)),

    publish: (event: PandoEvent) => unlessStopped('publish an event', () => publisher.publish(event)),
    publishTopic: <K extends KnownTopic>(topic: K, payload: PayloadOf<K>, header?: Partial<EventHeader>) =>
      unlessStopped('publish an event', () => publisher.emit(topic, payload, header)),
    publishRaw: (frame) => unlessStopped('publish a frame', () => publisher.publishRaw(frame)),
    publishHeartbeat: () => unlessStopped('publish a heartbeat', () => publisher.emit('instance.heartbeat', heartbeat())),

    sessions: () => store.list(),
    messages: (sessionId) => store.messages(sessionId),
    get activeSessionId() {
      return store.activeSessionId;
    },
    upsertSession: (session) => unlessStopped('change a session', () => upsertSession(changes, session)),
    deleteSession: (sessionId) => unlessStopped('delete a session', () => deleteSession(changes, sessionId)),
    activateSession: (sessionId) => unlessStopped('activate a session', () => activateSession(changes, sessionId)),

    playTurn: (sessionId, content, script) => unlessStopped('play a turn', async () => player.start(sessionId, content, script)),
    interruptTurn: (sessionId) => player.interrupt(sessionId),
    runningTurns: () => player.running(),

    get requests() {
      return log.requests;
    },
    requests$: log.requests$,
    get replies() {
      return log.replies;
    },
    replies$: log.replies$,
    waitForRequest: (match, waitOptions) => log.waitForRequest(match, waitOptions),
    waitForReply: (match, waitOptions) => log.waitForReply(match, waitOptions),

    delayReplies: (delay) => controls.setDelay(delay),
    dropReplies: (predicate = () => true) => controls.drop(predicate),
    holdReplies: (predicate = () => true) => controls.hold(predicate),
    releaseReplies: (order = 'received') => server.releaseReplies(order),
    heldReplies: () => controls.heldRequests(),
    overrideMethod: (method, handler) => methods.override(method, handler),
  };
};

/**
 * Starts a Pando-compatible fake instance: binds its PUB and ROUTER sockets (linger 0) on
 * 127.0.0.1, on free ports unless `pubPort` / `rpcPort` are given, and starts serving.
 * Always `stop()` it (e.g. in `afterEach`): its sockets and timers keep Node.js running.
 * It needs the optional dependency `zeromq`, loaded here: without it, it rejects with
 * `ZeromqMissingError`.
 *
 * ```ts
 * const fake = await startFakeInstance({ heartbeatIntervalMs: 50 });
 * // connect a SUB to fake.pubEndpoint and a DEALER to fake.rpcEndpoint …
 * await fake.stop();
 * ```
 */
export const startFakeInstance = async (options: FakeInstanceOptions = {}): Promise<FakeInstance> => {
  const zmq = await loadZeromq('startFakeInstance()');
  const pub = new zmq.Publisher({ linger: 0 });
  const router = new zmq.Router({ linger: 0 });
  try {
    const timeout = options.bindTimeoutMs ?? 2000;
    const pubEndpoint = await bindLoopback(pub, options.pubPort, timeout);
    const rpcEndpoint = await bindLoopback(router, options.rpcPort, timeout);
    return assemble(pub, router, pubEndpoint, rpcEndpoint, options);
  } catch (err) {
    pub.close();
    router.close();
    throw err;
  }
};
