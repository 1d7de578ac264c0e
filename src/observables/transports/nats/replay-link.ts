import { DeliverPolicy, type ConsumerMessages, type JsMsg, type NatsConnection } from 'nats';
import type { EventLink, EventLinkSignal, LinkSink } from '../../transport.js';
import { openNatsEventLink, startsWithAny } from './event-link.js';
import type { SharedNatsConnection } from './nats-connection.js';
import { gapOf, startOf, type ReplayFrom, type ReplayReport } from './replay.js';
import { eventStreamName } from './subjects.js';

/** How long a pull of the replay's consumer waits on the server before it asks again, in ms. */
const PULL_EXPIRES_MS = 10_000;

/**
 * An {@link EventLink} over NATS that first replays an instance's stored events, then goes on
 * live, from one JetStream ordered consumer on the instance's stream (`eventStreamName`, kept by
 * its relay with `startRelay({ replay })`).
 *
 * - Replay and live come from the same consumer, in stream order: there is no handover between
 *   two subscriptions, so no gap and no duplicate at the seam. Each frame's stream sequence is
 *   remembered, and one already delivered is dropped. Once consuming, the ordered consumer
 *   resumes by itself after the NATS connection comes back (nats.js makes it again after the
 *   last sequence it delivered; the NATS-restart spec covers it); until then, a failed attempt
 *   is tried again at the next `up`, from the start.
 * - A frame stored before the link joined (its sequence at most the stream's last one then) is
 *   reported `replayed: true`, so that liveness and the mirror ignore it; later ones are live.
 * - Connection signals are those of a plain NATS event link (the relay's status), as they come.
 * - `report` hears `replaying`, at most one `gap` (history shorter than asked, see `gapOf`), then
 *   `caught-up`. Without a stream (no history kept), it reports a `no-history` gap and the link
 *   goes on live only, as a plain event link.
 *
 * ```ts
 * const link = openNatsReplayLink(shared, 'a1b2c3', { last: 600_000 }, (r) => console.log(r.kind), sink);
 * link.subscribe('');
 * ```
 */
export function openNatsReplayLink(
  shared: SharedNatsConnection,
  instanceId: string,
  from: ReplayFrom,
  report: (report: ReplayReport) => void,
  sink: LinkSink<EventLinkSignal>,
  now: () => number = Date.now,
): EventLink {
  const prefixes = new Map<string, Uint8Array>();
  const since = startOf(from, now());
  const stream = eventStreamName(instanceId);
  /** `pending`: the stream not looked at yet; `stream`: frames come from it; `live`: no stream, plain subjects. */
  let mode: 'pending' | 'stream' | 'live' = 'pending';
  let closed = false;
  let running = false;
  let messages: ConsumerMessages | undefined;
  /** The stream's last sequence when the replay started: frames up to it are history. */
  let headSeq = 0;
  let lastSeq = 0;
  let replayed = 0;
  let caughtUp = false;

  const tell = (value: ReplayReport): void => {
    if (!closed) report(value);
  };
  const catchUp = (): void => {
    if (caughtUp) return;
    caughtUp = true;
    tell({ kind: 'caught-up', replayed, seq: Math.max(lastSeq, headSeq) });
  };

  // Status (and, without a stream, the live frames) come from a plain event link.
  const plain = openNatsEventLink(shared, instanceId, {
    next: (signal) => {
      if (!closed) sink.next(signal);
    },
    error: (error) => {
      if (!closed) sink.error(error);
    },
  });

  const onMessage = (msg: JsMsg): void => {
    if (closed || msg.seq <= lastSeq) return;
    lastSeq = msg.seq;
    const history = msg.seq <= headSeq;
    const data = msg.data;
    if (startsWithAny(data, prefixes.values())) {
      if (history) replayed++;
      sink.next(history ? { kind: 'frame', frame: data, replayed: true } : { kind: 'frame', frame: data });
    }
    if (msg.seq >= headSeq) catchUp();
  };

  const goLive = (): void => {
    mode = 'live';
    for (const prefix of prefixes.keys()) plain.subscribe(prefix);
    catchUp();
  };

  /** Looks at the stream once, then consumes it; a failure before consuming is tried again at the next `up`. */
  const run = async (nc: NatsConnection): Promise<void> => {
    if (running || closed || mode === 'live') return;
    running = true;
    try {
      if (mode === 'pending') {
        tell({ kind: 'replaying', from: since });
        const jsm = await nc.jetstreamManager({ checkAPI: false });
        let info;
        try {
          info = await jsm.streams.info(stream);
        } catch {
          if (closed) return;
          tell({ kind: 'gap', reason: 'no-history', requestedFrom: since, availableFrom: undefined });
          goLive();
          return;
        }
        if (closed) return;
        const gap = gapOf(info, since);
        if (gap !== undefined) tell(gap);
        mode = 'stream';
        headSeq = info.state.last_seq;
        if (info.state.messages === 0 || Date.parse(info.state.last_ts) < since.getTime()) catchUp();
      }
      const consumer = await nc.jetstream().consumers.get(stream, {
        deliver_policy: DeliverPolicy.StartTime,
        opt_start_time: since.toISOString(),
      });
      const consuming = await consumer.consume({ expires: PULL_EXPIRES_MS, callback: onMessage });
      if (closed) {
        void consuming.close().catch(() => undefined);
        return;
      }
      messages = consuming;
    } catch {
      // The connection went away before consuming began (nothing was delivered): the next `up`
      // tries again.
      running = false;
    }
  };

  const leave = shared.join({
    up: (nc) => void run(nc),
    down: () => undefined,
  });

  return {
    subscribe: (prefix) => {
      if (closed) return;
      prefixes.set(prefix, new TextEncoder().encode(prefix));
      if (mode === 'live') plain.subscribe(prefix);
    },
    unsubscribe: (prefix) => {
      if (closed) return;
      prefixes.delete(prefix);
      if (mode === 'live') plain.unsubscribe(prefix);
    },
    close: () => {
      if (closed) return;
      closed = true;
      void messages?.close().catch(() => undefined);
      messages = undefined;
      plain.close();
      leave();
    },
  };
}
