import { BehaviorSubject, Observable, Subject, asyncScheduler, defer, share, type SchedulerLike, type Subscriber } from 'rxjs';
import { decodeFrame, type FrameDecodeError } from '../codecs/frame.js';
import type { ShutdownEvent } from '../codecs/topics.js';
import type { InstanceSignal } from '../operators/signals.js';
import { Backlog } from './backlog.js';
import { eventSignals } from './event-signals.js';
import type { EventLinkSignal, Transport } from './transport.js';

/** How many frames wait for a slow consumer before the oldest is dropped. */
export const DEFAULT_BACKLOG_LIMIT = 10_000;
/** How long one turn hands frames out before it lets the link drain the socket again, in ms. */
const DEFAULT_SLICE_MS = 20;

/** How the hub drains its link while its consumers are slow (see `Backlog`). */
export interface FrameHubDrain {
  /** Schedules delivery turns and tells the time (the instance's scheduler). */
  readonly scheduler: SchedulerLike;
  /** Frames kept waiting for slow consumers before the oldest is dropped (default 10,000). */
  readonly limit?: number;
  /** Longest delivery turn before the link is drained again, in ms (default 20). */
  readonly sliceMs?: number;
}

/** A frame that could not be decoded, with why. */
export interface DecodeFailure {
  /** What was wrong and where. */
  readonly error: FrameDecodeError;
  /** The frame as it arrived. */
  readonly frame: Uint8Array;
}

/** A prefix that matches exactly one topic on a SUB socket: the topic plus the NUL byte. */
export const exactTopic = (topic: string): string => `${topic}\u0000`;

/** Always subscribed while the link is open: pending RPC calls fail when it arrives. */
const SHUTDOWN_PREFIX = exactTopic('instance.shutdown');

/**
 * One event link per instance, shared by every stream of a `RemoteInstance`, and the one place
 * where frames become `InstanceSignal`s.
 *
 * Each user of `signals(prefixes)` says which prefixes it needs; the link is subscribed to the
 * union of what its current users need (just `''` when anyone needs everything), so that
 * unwanted frames never cross the wire. The link opens with the first user and closes with the
 * last. Every frame is decoded once, whatever the number of users; a bad frame goes to
 * `decodeErrors$` and never ends a stream. `instance.shutdown` is recognised here and only
 * here: it becomes a `shutdown` signal, and `onShutdown` is told before any stream sees it.
 */
export class FrameHub {
  /** Frames that failed to decode, while the link is open (hot). */
  readonly decodeErrors$: Observable<DecodeFailure>;

  private readonly demand = new Map<string, number>();
  private readonly prefixes$ = new BehaviorSubject<readonly string[]>([]);
  private readonly failures = new Subject<DecodeFailure>();
  private readonly shared$: Observable<InstanceSignal>;
  private connected = false;
  private decodeFailureCount = 0;
  private backlog: Backlog<EventLinkSignal> | undefined;
  private droppedTotal = 0;
  /** The timestamp of the newest event handed out since `takeLagSample()` last looked. */
  private handedTimestamp: Date | undefined;

  constructor(
    transport: Transport,
    /** The instance's event address (its PUB endpoint over ZeroMQ). */
    readonly address: string,
    /** Told of every `instance.shutdown`, before any stream sees it. */
    private readonly onShutdown: (event: ShutdownEvent) => void = () => undefined,
    private readonly drain: FrameHubDrain = { scheduler: asyncScheduler },
  ) {
    this.decodeErrors$ = this.failures.asObservable();
    this.shared$ = defer(() => this.decode(eventSignals(transport, address, this.prefixes$))).pipe(share());
  }

  /** Whether the shared link currently has a connection to the instance. */
  get isConnected(): boolean {
    return this.connected;
  }

  /** How many frames failed to decode since the hub was made. */
  get decodeFailures(): number {
    return this.decodeFailureCount;
  }

  /**
   * How far behind the consumers are, in milliseconds: the age, at `now`, of the newest event
   * handed out since the last sample (from the event's own timestamp); 0 when none was. One
   * field write per event, nothing more, so it costs nothing until someone samples it.
   */
  takeLagSample(now: number): number {
    const timestamp = this.handedTimestamp;
    this.handedTimestamp = undefined;
    return timestamp === undefined ? 0 : Math.max(0, now - timestamp.getTime());
  }

  /** The prefixes the link is (or would be) subscribed to now. */
  get subscribedPrefixes(): readonly string[] {
    return this.prefixes$.value;
  }

  /**
   * The shared link's signals, with `prefixes` added to its subscription for as long as this
   * is subscribed. A subscriber that arrives while the link is connected gets a `connected`
   * signal first. It also sees frames that other users asked for: filter by topic.
   */
  signals(prefixes: readonly string[]): Observable<InstanceSignal> {
    return new Observable<InstanceSignal>((subscriber) => {
      this.addDemand(prefixes, 1);
      if (this.connected) subscriber.next({ kind: 'connected' });
      const subscription = this.shared$.subscribe(subscriber);
      return () => {
        subscription.unsubscribe();
        this.addDemand(prefixes, -1);
      };
    });
  }

  private addDemand(prefixes: readonly string[], delta: 1 | -1): void {
    for (const prefix of prefixes) {
      const count = (this.demand.get(prefix) ?? 0) + delta;
      if (count > 0) this.demand.set(prefix, count);
      else this.demand.delete(prefix);
    }
    const next = this.demand.size === 0 ? [] : this.demand.has('') ? [''] : [...new Set([...this.demand.keys(), SHUTDOWN_PREFIX])];
    const current = this.prefixes$.value;
    const same = next.length === current.length && next.every((prefix) => current.includes(prefix));
    if (!same) this.prefixes$.next(next);
  }

  /** How many frames this process dropped because its consumers fell behind. */
  get droppedFrames(): number {
    return this.droppedTotal + (this.backlog?.dropped ?? 0);
  }

  /**
   * Drains the link into a bounded backlog and hands its signals out from there (see
   * `Backlog`): frames to events (bad ones to `decodeErrors$`), `instance.shutdown` to
   * `shutdown`, drops to `gap`. A lost connection skips the queue: it is known at once.
   */
  private decode(source: Observable<EventLinkSignal>): Observable<InstanceSignal> {
    return new Observable<InstanceSignal>((subscriber) => {
      const backlog = new Backlog<EventLinkSignal>(
        (signal) => this.handOut(signal, subscriber),
        (dropped) => subscriber.next({ kind: 'gap', dropped }),
        {
          scheduler: this.drain.scheduler,
          limit: this.drain.limit ?? DEFAULT_BACKLOG_LIMIT,
          sliceMs: this.drain.sliceMs ?? DEFAULT_SLICE_MS,
          // A waiting frame is copied, so it does not pin the socket library's receive buffer.
          retain: (signal) => (signal.kind === 'frame' ? { ...signal, frame: new Uint8Array(signal.frame) } : signal),
        },
      );
      this.backlog = backlog;
      const subscription = source.subscribe({
        next: (signal) => {
          if (signal.kind === 'disconnected' || signal.kind === 'unreachable') {
            this.connected = false;
            subscriber.next(signal);
          } else {
            backlog.push(signal);
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        this.connected = false;
        subscription.unsubscribe();
        this.droppedTotal += backlog.dropped;
        this.backlog = undefined;
        backlog.clear();
      };
    });
  }

  private handOut(signal: EventLinkSignal, subscriber: Subscriber<InstanceSignal>): void {
    if (signal.kind !== 'frame') {
      this.connected = signal.kind === 'connected';
      subscriber.next(signal);
      return;
    }
    const decoded = decodeFrame(signal.frame);
    if (decoded._tag === 'Left') {
      this.decodeFailureCount++;
      this.failures.next({ error: decoded.left, frame: signal.frame });
      return;
    }
    const event = decoded.right;
    if (signal.replayed === true) {
      // History: passed on as such, and a replayed shutdown fails no call made now.
      subscriber.next(event.topic === 'instance.shutdown' ? { kind: 'shutdown', event: event as ShutdownEvent, replayed: true } : { kind: 'event', event, replayed: true });
      return;
    }
    this.handedTimestamp = event.timestamp;
    if (event.topic === 'instance.shutdown') {
      const shutdown = event as ShutdownEvent;
      this.onShutdown(shutdown);
      subscriber.next({ kind: 'shutdown', event: shutdown });
    } else {
      subscriber.next({ kind: 'event', event });
    }
  }
}
