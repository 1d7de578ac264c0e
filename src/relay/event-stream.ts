import { DiscardPolicy, RetentionPolicy, StorageType, nanos, type JetStreamManager, type StreamConfig } from 'nats';
import { allEventsSubject, eventStreamName } from '../observables/transports/nats/subjects.js';

/** How long and how much of each instance's events a relay keeps for replay (JetStream limits). */
export interface ReplayRetention {
  /** Events older than this many ms are discarded (JetStream `max_age`). */
  readonly maxAgeMs: number;
  /** At most this many events per instance; the oldest go first (default: no limit). */
  readonly maxMessages?: number;
  /** At most this many bytes per instance; the oldest go first (default: no limit). */
  readonly maxBytes?: number;
  /** Copies of each stream in a JetStream cluster (default 1; 3 on a three-node cluster). */
  readonly replicas?: number;
}

/** The stream configuration that keeps one instance's events within `retention`. */
const eventStreamConfig = (instanceId: string, retention: ReplayRetention): Partial<StreamConfig> & { name: string } => ({
  name: eventStreamName(instanceId),
  subjects: [allEventsSubject(instanceId)],
  retention: RetentionPolicy.Limits,
  storage: StorageType.File,
  discard: DiscardPolicy.Old,
  max_age: nanos(retention.maxAgeMs),
  max_msgs: retention.maxMessages ?? -1,
  max_bytes: retention.maxBytes ?? -1,
  num_replicas: retention.replicas ?? 1,
});

/**
 * Makes sure the JetStream stream that keeps one instance's events exists with the relay's
 * retention (`PANDO_EVT_<instance>` on `pando.<instance>.evt.>`): created when missing, its
 * limits updated when they differ. The relay publishes frames as plain NATS messages; the
 * server stores those that match, so a slow store never slows the relay's reading.
 *
 * ```ts
 * await ensureEventStream(await nc.jetstreamManager(), 'a1b2c3', { maxAgeMs: 3_600_000 });
 * ```
 */
export const ensureEventStream = async (jsm: JetStreamManager, instanceId: string, retention: ReplayRetention): Promise<void> => {
  const config = eventStreamConfig(instanceId, retention);
  let exists = true;
  try {
    await jsm.streams.info(config.name);
  } catch {
    exists = false;
  }
  if (exists) await jsm.streams.update(config.name, config);
  else await jsm.streams.add(config);
};
