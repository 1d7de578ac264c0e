import { gapOf, startOf, type StoredRange } from '../../src/observables/transports/nats/replay';

const at = (seconds: number): string => new Date(Date.UTC(2026, 10, 30, 6, 0, seconds)).toISOString();
const time = (seconds: number): Date => new Date(at(seconds));

const stream = (state: Partial<StoredRange['state']>, created = at(0)): StoredRange => ({
  created,
  state: { messages: 0, first_seq: 0, first_ts: '0001-01-01T00:00:00Z', last_seq: 0, last_ts: '0001-01-01T00:00:00Z', ...state },
});

describe('gapOf: what a replay asked that the stream does not hold', () => {
  it('no gap when every event since `from` is kept (or none happened)', () => {
    expect(gapOf(stream({ messages: 3, first_seq: 1, first_ts: at(10), last_seq: 3, last_ts: at(20) }), time(5))).toBeUndefined();
    expect(gapOf(stream({ messages: 3, first_seq: 8, first_ts: at(10), last_seq: 10, last_ts: at(20) }), time(15))).toBeUndefined();
    expect(gapOf(stream({}), time(5))).toBeUndefined();
  });

  it('retention: events after `from` were discarded; availableFrom is the oldest kept', () => {
    expect(gapOf(stream({ messages: 3, first_seq: 8, first_ts: at(10), last_seq: 10, last_ts: at(20) }), time(5))).toEqual({
      kind: 'gap',
      reason: 'retention',
      requestedFrom: time(5),
      availableFrom: time(10),
    });
    // Everything expired: nothing is kept, but events after `from` were.
    expect(gapOf(stream({ messages: 0, first_seq: 11, last_seq: 10, last_ts: at(20) }), time(5))).toMatchObject({ reason: 'retention', availableFrom: undefined });
    expect(gapOf(stream({ messages: 0, first_seq: 11, last_seq: 10, last_ts: at(20) }), time(25))).toBeUndefined();
  });

  it('not-recorded: the stream began after `from`', () => {
    expect(gapOf(stream({ messages: 2, first_seq: 1, first_ts: at(40), last_seq: 2, last_ts: at(50) }, at(30)), time(5))).toEqual({
      kind: 'gap',
      reason: 'not-recorded',
      requestedFrom: time(5),
      availableFrom: time(40),
    });
  });

  it('startOf: a time as given, or `last` ms before the link opened', () => {
    expect(startOf({ since: time(5) }, 0)).toEqual(time(5));
    expect(startOf({ last: 60_000 }, time(120).getTime())).toEqual(time(60));
  });
});
