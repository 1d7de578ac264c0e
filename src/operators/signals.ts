import type { PandoEvent, ShutdownEvent } from '../codecs/topics.js';

/**
 * What the instance logic hears about one instance, whatever carries it (ZeroMQ, the
 * WebSocket bridge, NATS, a fake): the one signal type that flows from the transport, once
 * decoded, to `liveness`, `liveMirror` and the RPC client. Nothing wraps it again.
 *
 * - `event`: one decoded event (every topic but `instance.shutdown`); `replayed: true` when it
 *   comes from stored history (a replay, e.g. NATS JetStream) rather than live: liveness and
 *   the mirror ignore it, the event streams pass it on;
 * - `shutdown`: the instance said it is going away (`instance.shutdown`): the only place that
 *   topic is recognised, so that liveness, the mirror and pending calls react to one signal;
 * - `connected` / `disconnected`: the connection to the instance came up / dropped;
 * - `unreachable`: what carries the connection (a bridge, a relay, a NATS server) cannot be
 *   reached, so nothing can be said about the instance itself (never sent over plain ZeroMQ);
 * - `pong`: an `instance.ping` answered, which proves the instance alive between heartbeats;
 * - `gap`: this process dropped `dropped` events here because its consumers fell behind (its
 *   own bounded buffer overflowed): state built from the stream must be rebuilt (the mirror
 *   resyncs).
 */
export type InstanceSignal =
  | { readonly kind: 'event'; readonly event: PandoEvent; readonly replayed?: true }
  | { readonly kind: 'shutdown'; readonly event: ShutdownEvent; readonly replayed?: true }
  | ConnectionSignal
  | { readonly kind: 'pong' }
  | { readonly kind: 'gap'; readonly dropped: number };

/** A change of the connection to the instance (or to what carries it). */
export type ConnectionSignal =
  | { readonly kind: 'connected' }
  | { readonly kind: 'disconnected' }
  | { readonly kind: 'unreachable' };

/** The event behind an `event` or `shutdown` signal, else `undefined`. */
export const eventOf = (signal: InstanceSignal): PandoEvent | undefined =>
  signal.kind === 'event' || signal.kind === 'shutdown' ? signal.event : undefined;
