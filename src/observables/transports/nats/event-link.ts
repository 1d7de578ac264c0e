import type { NatsConnection, Subscription } from 'nats';
import type { EventLink, EventLinkSignal, LinkConnectionSignal, LinkSink } from '../../transport.js';
import type { SharedNatsConnection } from './nats-connection.js';
import { statusRequestSubject, statusSubject, subjectForPrefix, type RelayStatus } from './subjects.js';

const decoder = new TextDecoder();

/** How long the relay has to answer the current status of the instance, in ms. */
const STATUS_TIMEOUT_MS = 2000;

const SIGNAL_OF: Readonly<Record<RelayStatus['state'] | 'nats-down', LinkConnectionSignal['kind'] | undefined>> = {
  connecting: undefined,
  up: 'connected',
  down: 'disconnected',
  gone: 'unreachable',
  'nats-down': 'unreachable',
};

/** Whether the subject tokens `s` are matched by the pattern tokens `p` (tokens, or `>` as the last one). */
const matches = (p: readonly string[], s: readonly string[]): boolean => {
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
};

/** Whether `frame` starts with the bytes of `prefix` (an event-link prefix filter). */
const startsWith = (frame: Uint8Array, prefix: Uint8Array): boolean => {
  if (frame.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (frame[i] !== prefix[i]) return false;
  return true;
};

/** Whether `frame` starts with any of the subscribed `prefixes` (their bytes). */
export const startsWithAny = (frame: Uint8Array, prefixes: Iterable<Uint8Array>): boolean => {
  for (const prefix of prefixes) if (startsWith(frame, prefix)) return true;
  return false;
};

const isRelayStatus = (value: unknown): value is RelayStatus =>
  typeof value === 'object' && value !== null && ['connecting', 'up', 'down', 'gone'].includes((value as { state?: unknown }).state as string);

/** The relay status in a message body (a status message, or the answer to a status request); throws on bad JSON. */
const statusOf = (data: Uint8Array): RelayStatus | undefined => {
  const status: unknown = JSON.parse(decoder.decode(data));
  return isRelayStatus(status) ? status : undefined;
};

/**
 * An {@link EventLink} over NATS: the frames a relay publishes for one instance.
 *
 * Each prefix becomes the narrowest subject that carries it (`subjectForPrefix`); one NATS
 * subscription per distinct subject. A frame is reported once even when several subscriptions
 * carry it (only the first matching subject, in sorted order, reports it), and only if it starts
 * with a subscribed prefix (a prefix can end inside a topic part, which no subject expresses).
 *
 * Signals: `connected` / `disconnected` follow what the relay says of the instance (its status
 * subject, and its answer on `status.get` after each (re)connection); `unreachable` when the
 * NATS server cannot be reached, when no relay answers for the instance, when its relay left, or
 * when its relay has been silent for three of its status periods (`everyMs`: killed, or cut off).
 */
export function openNatsEventLink(shared: SharedNatsConnection, instanceId: string, sink: LinkSink<EventLinkSignal>): EventLink {
  const prefixes = new Map<string, Uint8Array>();
  const subscriptions = new Map<string, Subscription>();
  /** The subscribed subjects in sorted order, split into tokens: kept by `sync`, read per frame. */
  let owners: ReadonlyArray<{ readonly subject: string; readonly tokens: readonly string[] }> = [];
  let statusSubscription: Subscription | undefined;
  let connection: NatsConnection | undefined;
  let last: LinkConnectionSignal['kind'] | undefined;
  let closed = false;
  let epoch = 0;

  let silence: ReturnType<typeof setTimeout> | undefined;
  const quiet = (): void => {
    if (silence !== undefined) clearTimeout(silence);
    silence = undefined;
  };
  /** A status arrived: report it, and expect the next one within three of its periods. */
  const heard = (status: RelayStatus): void => {
    quiet();
    report(status.state);
    if (status.everyMs !== undefined && status.everyMs > 0 && status.state !== 'gone' && !closed) {
      silence = setTimeout(() => {
        silence = undefined;
        report('gone');
      }, 3 * status.everyMs);
    }
  };

  const report = (state: keyof typeof SIGNAL_OF): void => {
    const kind = SIGNAL_OF[state];
    if (closed || kind === undefined || kind === last) return;
    last = kind;
    sink.next({ kind } as LinkConnectionSignal);
  };

  const deliver = (subject: string, msgSubject: string, data: Uint8Array): void => {
    if (closed) return;
    // The first subscribed subject (sorted) that carries the frame reports it; with one, no need to look.
    if (owners.length === 1) {
      if (owners[0]!.subject !== subject) return;
    } else {
      const tokens = msgSubject.split('.');
      if (owners.find((owner) => matches(owner.tokens, tokens))?.subject !== subject) return;
    }
    if (startsWithAny(data, prefixes.values())) sink.next({ kind: 'frame', frame: data });
  };

  const subscribeSubject = (nc: NatsConnection, subject: string): void => {
    if (subscriptions.has(subject)) return;
    const subscription = nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err === null) deliver(subject, msg.subject, msg.data);
      },
    });
    subscriptions.set(subject, subscription);
  };

  const wantedSubjects = (): Set<string> => new Set([...prefixes.keys()].map((prefix) => subjectForPrefix(instanceId, prefix)));

  const sync = (): void => {
    const wanted = wantedSubjects();
    for (const [subject, subscription] of subscriptions) {
      if (!wanted.has(subject)) {
        subscription.unsubscribe();
        subscriptions.delete(subject);
      }
    }
    if (connection !== undefined) for (const subject of wanted) subscribeSubject(connection, subject);
    owners = [...subscriptions.keys()].sort().map((subject) => ({ subject, tokens: subject.split('.') }));
  };

  /** After each (re)connection: make sure the subscriptions reached the server, then ask. */
  const askStatus = async (nc: NatsConnection, at: number): Promise<void> => {
    try {
      await nc.flush();
      const reply = await nc.request(statusRequestSubject(instanceId), undefined, { timeout: STATUS_TIMEOUT_MS });
      if (at !== epoch) return;
      const status = statusOf(reply.data);
      if (status !== undefined) heard(status);
    } catch {
      if (at === epoch) report('gone');
    }
  };

  const leave = shared.join({
    up: (nc) => {
      if (closed) return;
      const at = ++epoch;
      if (connection !== nc) {
        connection = nc;
        statusSubscription = nc.subscribe(statusSubject(instanceId), {
          callback: (err, msg) => {
            if (err !== null || closed) return;
            try {
              const status = statusOf(msg.data);
              if (status !== undefined) heard(status);
            } catch {
              // not a status: ignored
            }
          },
        });
        sync();
      }
      void askStatus(nc, at);
    },
    down: () => {
      epoch++;
      quiet();
      report('nats-down');
    },
  });

  return {
    subscribe: (prefix) => {
      if (closed) return;
      prefixes.set(prefix, new TextEncoder().encode(prefix));
      sync();
    },
    unsubscribe: (prefix) => {
      if (closed) return;
      prefixes.delete(prefix);
      sync();
    },
    close: () => {
      if (closed) return;
      closed = true;
      epoch++;
      quiet();
      if (connection !== undefined && !connection.isClosed()) {
        for (const subscription of subscriptions.values()) subscription.unsubscribe();
        statusSubscription?.unsubscribe();
      }
      subscriptions.clear();
      owners = [];
      leave();
    },
  };
}
