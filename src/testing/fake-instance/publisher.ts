import { encodeFrame } from '../../codecs/frame.js';
import type { EventHeader, KnownTopic, PandoEvent, PayloadOf } from '../../codecs/topics.js';
import { sessionIdOf } from '../../operators/sessionIdOf.js';
import { FakeInstanceStoppedError } from './errors.js';
import { sendQueue, type SendQueue } from './send-queue.js';

/**
 * The fake instance's PUB socket: every event is encoded by the codecs' `encodeFrame` (one
 * encoder for the library and its fake) and sent in call order.
 */

/** The header fields that every event of this instance carries unless told otherwise. */
export interface PublisherIdentity {
  readonly instanceId: string;
  readonly projectId: string;
  /** Whether envelopes name their session (`sessionId`); today's Pando never does (default true). */
  readonly envelopeSessionId?: boolean;
}

/** How the publisher closes. */
export interface PublisherCloseOptions {
  /** The last event to send before closing (the `instance.shutdown`), if any. */
  readonly lastEvent?: PandoEvent;
  /** ZMQ_LINGER for the close: how long queued frames may still leave, in milliseconds. */
  readonly lingerMs: number;
}

const utf8 = new TextEncoder();

/**
 * What the publisher needs of its PUB socket: a zeromq.js `Publisher`, described without
 * zeromq's types so that the package's declarations type-check where the optional dependency is
 * not installed.
 */
export interface PublisherSocket {
  readonly closed: boolean;
  linger: number;
  send(frame: Uint8Array): Promise<void>;
  close(): void;
}

/**
 * Publishes events on a bound PUB socket. Once `close` was called, every publish rejects with a
 * {@link FakeInstanceStoppedError}; the socket closes after the frames queued before it.
 *
 * ```ts
 * const publisher = new EventPublisher(pub, { instanceId: 'fake-1', projectId: '' });
 * await publisher.emit('llm.token', { session_id: 's1', token: 'Hi' });
 * await publisher.close({ lingerMs: 0 });
 * ```
 */
export class EventPublisher {
  private socket: PublisherSocket | undefined;
  private closing = false;
  private readonly queue: SendQueue<Uint8Array>;

  constructor(
    socket: PublisherSocket,
    private readonly identity: PublisherIdentity,
  ) {
    this.socket = socket;
    this.queue = sendQueue((frame) => {
      const pub = this.socket;
      if (pub === undefined || pub.closed) return Promise.reject(new FakeInstanceStoppedError('publish an event'));
      return pub.send(frame);
    });
  }

  /** True once `close` was called. */
  get closed(): boolean {
    return this.closing;
  }

  /** Publishes any event, encoded by `encodeFrame`. */
  publish(event: PandoEvent): Promise<void> {
    if (this.closed) return Promise.reject(new FakeInstanceStoppedError('publish an event'));
    return this.queue.push(encodeFrame(event));
  }

  /** Publishes one frame exactly as given (a string is sent as its UTF-8 bytes). */
  publishRaw(frame: Uint8Array | string): Promise<void> {
    if (this.closed) return Promise.reject(new FakeInstanceStoppedError('publish a frame'));
    return this.queue.push(typeof frame === 'string' ? utf8.encode(frame) : frame);
  }

  /** Publishes an event of a known topic with this instance's header (see {@link eventOf}). */
  emit<K extends KnownTopic>(topic: K, payload: PayloadOf<K>, header: Partial<EventHeader> = {}): Promise<void> {
    return this.publish(this.eventOf(topic, payload, header));
  }

  /** Fire-and-forget `emit`, for the instance's own events: nothing once closed, failures ignored. */
  announce<K extends KnownTopic>(topic: K, payload: PayloadOf<K>): void {
    if (!this.closed) this.emit(topic, payload).catch(() => undefined);
  }

  /**
   * An event of this instance: the header defaults to its id and project, the current time and
   * (full mode) the session the payload names (`session_id`, or the `id` of a session topic's
   * payload). In `'pando'` mode the envelope names no session, as today's Pando never does.
   */
  eventOf<K extends KnownTopic>(topic: K, payload: PayloadOf<K>, header: Partial<EventHeader> = {}): PandoEvent {
    const event = {
      topic,
      instanceId: header.instanceId ?? this.identity.instanceId,
      projectId: header.projectId ?? this.identity.projectId,
      timestamp: header.timestamp ?? new Date(),
      payload,
    } as PandoEvent;
    const sessionId = header.sessionId ?? (this.identity.envelopeSessionId === false ? undefined : sessionIdOf(event));
    return sessionId === undefined ? event : { ...event, sessionId };
  }

  /** Sends `lastEvent` (if any) after everything queued, then closes the socket with `lingerMs`. */
  async close({ lastEvent, lingerMs }: PublisherCloseOptions): Promise<void> {
    const socket = this.socket;
    if (this.closing || socket === undefined) return;
    this.closing = true;
    if (lastEvent !== undefined) void this.queue.push(encodeFrame(lastEvent)).catch(() => undefined);
    await this.queue.drained();
    this.socket = undefined;
    socket.linger = Math.max(0, lingerMs);
    socket.close();
  }
}
