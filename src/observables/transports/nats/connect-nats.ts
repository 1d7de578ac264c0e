import { Observable, Subject } from 'rxjs';
import { RemoteInstance, type ConnectTuning } from '../../remote-instance.js';
import { NatsTransport, type NatsOptions } from './nats-transport.js';
import type { ReplayFrom, ReplayReport } from './replay.js';

/** Options of {@link connectNats}: which NATS servers, which instance, and how to watch it. */
export type ConnectNatsOptions = ConnectTuning & {
  /** The NATS servers and credentials (see `NatsOptions`); ignored when `transport` is given. */
  readonly nats?: NatsOptions;
  /** The id of the instance, as its relay publishes it (`pando.<instance>.…`). */
  readonly instanceId: string;
  /** A transport to share one NATS connection between several instances. */
  readonly transport?: NatsTransport;
  /**
   * Replay what the instance's relay kept (`startRelay({ replay })`) since a time, or for the
   * last so many ms, before going on live: `events$` (and `on()`, `token$`) get the stored
   * events in order, then the live ones, each once. See `NatsInstance.replay$`.
   */
  readonly replay?: ReplayFrom;
};

/** A `RemoteInstance` reached through NATS, with what its replays report. */
export class NatsInstance extends RemoteInstance {
  /**
   * How the replay of each opening of the event link goes (`replaying`, maybe a `gap`, then
   * `caught-up`); a subscriber first gets what the latest replay reported so far. Completes on
   * `close()`; never emits without the `replay` option.
   */
  readonly replay$: Observable<ReplayReport>;

  private readonly reports: Subject<ReplayReport>;

  /** @internal Made by `connectNats()`. */
  constructor(transport: NatsTransport, options: Omit<ConnectNatsOptions, 'transport' | 'nats'>) {
    const { instanceId, replay, ...tuning } = options;
    const reports = new Subject<ReplayReport>();
    let latest: ReplayReport[] = [];
    const report = (value: ReplayReport): void => {
      latest = value.kind === 'replaying' ? [value] : [...latest, value];
      reports.next(value);
    };
    super(replay === undefined ? transport : transport.replaying(replay, report), {
      ...tuning,
      pubEndpoint: instanceId,
      rpcEndpoint: instanceId,
    });
    this.reports = reports;
    this.replay$ = new Observable<ReplayReport>((subscriber) => {
      for (const value of latest) subscriber.next(value);
      return reports.subscribe(subscriber);
    });
  }

  /** Ends every stream (and `replay$`), fails pending calls and frees every link. Idempotent. */
  override close(): void {
    super.close();
    this.reports.complete();
  }
}

/**
 * Connects to a Pando instance on another host through NATS and the relay of its host
 * (`pando-rx relay` / `startRelay()`): the same `RemoteInstance` as `connect()` gives over
 * ZeroMQ. `status$` reports `unreachable` while the NATS server or the relay cannot be reached,
 * and `down` when the relay says the instance itself is down. With `replay`, `events$` starts
 * with what the relay kept since then (see `docs/scale-out.md`, "Replay").
 *
 * A function of its own rather than only an option of `connect()`: through NATS there is only an
 * id, and the NATS client is loaded only by those who use it (`connect({ nats })` calls this).
 *
 * ```ts
 * const pando = connectNats({ nats: { servers: 'nats://nats.example:4222' }, instanceId: 'a1b2c3', replay: { last: 600_000 } });
 * pando.replay$.subscribe((report) => report.kind === 'gap' && console.warn(`history starts at ${String(report.availableFrom)}`));
 * pando.events$.subscribe((event) => console.log(event.topic));
 * ```
 */
export const connectNats = (options: ConnectNatsOptions): NatsInstance => {
  const { nats, transport, ...rest } = options;
  if (transport === undefined && nats === undefined) throw new TypeError('connectNats: give `nats` (servers, credentials) or a `transport`');
  return new NatsInstance(transport ?? new NatsTransport(nats!), rest);
};
