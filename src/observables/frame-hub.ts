import { BehaviorSubject, Observable, Subject, defer, share } from 'rxjs';
import { decodeFrame, type FrameDecodeError } from '../codecs/frame.js';
import type { PandoEvent } from '../codecs/topics.js';
import type { ConnectionSignal, SubscriberSignal, Transport } from './transport.js';

/** What the shared SUB socket reports once frames are decoded. */
export type HubSignal = { readonly kind: 'event'; readonly event: PandoEvent } | ConnectionSignal;

/** A frame that could not be decoded, with why. */
export interface DecodeFailure {
  /** What was wrong and where. */
  readonly error: FrameDecodeError;
  /** The frame as it arrived. */
  readonly frame: Uint8Array;
}

/** A prefix that matches exactly one topic on a SUB socket: the topic plus the NUL byte. */
export const exactTopic = (topic: string): string => `${topic}\u0000`;

/** Always subscribed while the socket is open: pending RPC calls fail when it arrives. */
const SHUTDOWN_PREFIX = exactTopic('instance.shutdown');

/**
 * One SUB socket per PUB endpoint, shared by every stream of a `RemoteInstance`.
 *
 * Each user of `signals(prefixes)` says which prefixes it needs; the socket is subscribed to
 * the union of what its current users need (just `''` when anyone needs everything), so that
 * unwanted frames never cross the wire. The socket opens with the first user and closes with
 * the last. Every frame is decoded once, whatever the number of users; a bad frame goes to
 * `decodeErrors$` and never ends a stream.
 */
export class FrameHub {
  /** Frames that failed to decode, while the socket is open (hot). */
  readonly decodeErrors$: Observable<DecodeFailure>;

  private readonly demand = new Map<string, number>();
  private readonly prefixes$ = new BehaviorSubject<readonly string[]>([]);
  private readonly failures = new Subject<DecodeFailure>();
  private readonly shared$: Observable<HubSignal>;
  private connected = false;
  private decodeFailureCount = 0;

  constructor(
    /** The instance's PUB endpoint. */
    readonly endpoint: string,
    transport: () => Transport,
    /** Called for every `instance.shutdown` event, before it reaches any stream. */
    private readonly onShutdown: (event: PandoEvent) => void = () => undefined,
  ) {
    this.decodeErrors$ = this.failures.asObservable();
    this.shared$ = defer(() => this.decode(transport().subscriber(endpoint, this.prefixes$))).pipe(share());
  }

  /** Whether the shared socket currently has a connection to the instance. */
  get isConnected(): boolean {
    return this.connected;
  }

  /** How many frames failed to decode since the hub was made. */
  get decodeFailures(): number {
    return this.decodeFailureCount;
  }

  /** The prefixes the socket is (or would be) subscribed to now. */
  get subscribedPrefixes(): readonly string[] {
    return this.prefixes$.value;
  }

  /**
   * Decoded events and connection changes of the shared socket, with `prefixes` added to its
   * subscription for as long as this is subscribed. A subscriber that arrives while the socket
   * is connected gets a `connected` signal first. It also sees frames that other users asked
   * for: filter by topic.
   */
  signals(prefixes: readonly string[]): Observable<HubSignal> {
    return new Observable<HubSignal>((subscriber) => {
      this.addDemand(prefixes, 1);
      if (this.connected) subscriber.next({ kind: 'connected', endpoint: this.endpoint });
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
    const next = this.demand.size === 0 ? [] : this.demand.has('') ? [''] : [...this.demand.keys(), SHUTDOWN_PREFIX];
    const current = this.prefixes$.value;
    const same = next.length === current.length && next.every((prefix) => current.includes(prefix));
    if (!same) this.prefixes$.next([...new Set(next)]);
  }

  private decode(source: Observable<SubscriberSignal>): Observable<HubSignal> {
    return new Observable<HubSignal>((subscriber) => {
      const subscription = source.subscribe({
        next: (signal) => {
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
          if (event.topic === 'instance.shutdown') this.onShutdown(event);
          subscriber.next({ kind: 'event', event });
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        this.connected = false;
        subscription.unsubscribe();
      };
    });
  }
}
