import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom, takeWhile, toArray, type Subscription } from 'rxjs';
import { startFakeInstance, type FakeInstance, type FakeInstanceOptions } from '../../src/testing';
import { startRelay, type Relay, type RelayOptions } from '../../src/relay/start-relay.js';
import { RelayStartError } from '../../src/relay/relay-errors.js';
import { connectNats, type NatsInstance } from '../../src/observables/transports/nats/connect-nats.js';
import type { ReplayReport } from '../../src/observables/transports/nats/replay.js';
import { NatsTransport } from '../../src/observables/transports/nats/nats-transport.js';
import type { PandoEvent } from '../../src/codecs/topics';
import type { Mirror } from '../../src/operators/mirrorState';
import { freePort, waitFor } from '../helpers/live';
import { startNatsServer, type NatsServer } from '../helpers/nats-server';
import { registryWith, until } from '../helpers/relay-fixtures';

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A nats-server with JetStream, its store in a temporary folder removed at the end. */
const jetStreamServer = async (): Promise<NatsServer> => {
  const store = mkdtempSync(join(tmpdir(), 'pando-rx-js-'));
  closers.push(() => rmSync(store, { recursive: true, force: true }));
  const nats = await startNatsServer(['-js', '-sd', store]);
  closers.push(() => nats.kill());
  return nats;
};

/**
 * A nats-server with JetStream, a fake instance (`mode: 'full'` and `fakeOptions`) and a relay of
 * it to that server (`relayOptions` added: e.g. `replay`), all closed at the end of the test.
 */
const relayedFake = async (
  fakeOptions: FakeInstanceOptions,
  relayOptions: Pick<RelayOptions, 'replay'> & { readonly reconnectTimeWait?: number } = {},
): Promise<{ nats: NatsServer; fake: FakeInstance; relay: Relay }> => {
  const nats = await jetStreamServer();
  const fake = await startFakeInstance({ mode: 'full', ...fakeOptions });
  closers.push(() => fake.stop({ silent: true }));
  const { reconnectTimeWait, ...rest } = relayOptions;
  const relay = await startRelay({
    nats: { servers: nats.url, ...(reconnectTimeWait === undefined ? {} : { reconnectTimeWait }) },
    registryDir: registryWith(closers, fake),
    pollIntervalMs: 50,
    ...rest,
  });
  closers.push(() => relay.close());
  return { nats, fake, relay };
};

const client = (nats: NatsServer, fake: FakeInstance, replay?: Parameters<typeof connectNats>[0]['replay']): NatsInstance => {
  const instance = connectNats({ nats: { servers: nats.url, reconnectTimeWait: 100 }, instanceId: fake.instanceId, rpcTimeoutMs: 5000, ...(replay === undefined ? {} : { replay }) });
  closers.push(() => instance.close());
  return instance;
};

/** Every event of `instance` kept in an array from now on. */
const record = (instance: NatsInstance): PandoEvent[] => {
  const seen: PandoEvent[] = [];
  const subscription: Subscription = instance.events$.subscribe((event) => seen.push(event));
  closers.push(() => subscription.unsubscribe());
  return seen;
};

/** The reports of `instance.replay$` up to and with `caught-up`. */
const replayReports = (instance: NatsInstance): Promise<ReplayReport[]> =>
  firstValueFrom(instance.replay$.pipe(takeWhile((report) => report.kind !== 'caught-up', true), toArray()));

/** What two mirrors must share to be equal: the sessions and the active one. */
const contentOf = (mirror: Mirror): unknown => ({ sessions: mirror.sessions, active: mirror.activeSessionId });

/** The events of a turn (and any session change), without heartbeats, in order, as comparable text. */
const turnOf = (events: readonly PandoEvent[]): string[] =>
  events.filter((event) => event.topic !== 'instance.heartbeat').map((event) => `${event.topic} ${JSON.stringify(event.payload)}`);

describe('replay through JetStream (real nats-server -js, relay, fake instance)', () => {
  it('a late joiner replays the turn it missed, in order and once, then goes on live; its mirror equals that of a client there from the start', async () => {
    const { nats, fake } = await relayedFake({ heartbeatIntervalMs: 200, sessions: [{ id: 's1', title: 'First', updated_at: new Date('2026-03-01T10:00:00Z'), message_count: 1 }] }, { replay: { maxAgeMs: 60_000 } });

    const early = client(nats, fake);
    const earlyEvents = record(early);
    let earlyMirror: Mirror | undefined;
    const mirroring = early.mirror$.subscribe((mirror) => (earlyMirror = mirror));
    closers.push(() => mirroring.unsubscribe());
    await waitFor(early.events$, (event) => event.topic === 'instance.heartbeat');
    await waitFor(early.mirror$);

    const before = new Date();
    const from = earlyEvents.length;
    await fake.playTurn('s1', 'What changed?');
    await fake.upsertSession({ id: 's2', title: 'Second', updated_at: new Date(), message_count: 0 });
    await fake.deleteSession('s2');
    await waitFor(early.events$.pipe(filter(() => earlyEvents.slice(from).some((event) => event.topic === 'session.deleted'))));
    const missed = turnOf(earlyEvents.slice(from));
    expect(missed.some((line) => line.startsWith('llm.token'))).toBe(true);
    expect(missed.some((line) => line.startsWith('llm.end'))).toBe(true);

    const late = client(nats, fake, { since: before });
    const reports = replayReports(late);
    const lateEvents = record(late);
    const done = await reports;
    expect(done.map((report) => report.kind)).toEqual(['replaying', 'caught-up']);
    const caughtUp = done[1] as Extract<ReplayReport, { kind: 'caught-up' }>;
    expect(caughtUp.replayed).toBeGreaterThanOrEqual(missed.length);
    // Everything it missed, in the order it happened, each once.
    expect(turnOf(lateEvents).slice(0, missed.length)).toEqual(missed);

    // Then live, each once: one new token reaches both.
    const heardLive = Promise.all([
      waitFor(early.events$, (event) => event.topic === 'llm.token' && (event.payload as { token?: string }).token === 'live!'),
      waitFor(late.events$, (event) => event.topic === 'llm.token' && (event.payload as { token?: string }).token === 'live!'),
    ]);
    await fake.publishTopic('llm.token', { session_id: 's1', token: 'live!' });
    await heardLive;
    expect(turnOf(lateEvents).filter((line) => line.includes('"live!"'))).toHaveLength(1);
    expect(turnOf(lateEvents).slice(0, missed.length)).toEqual(missed);

    // The late joiner's mirror is the early client's: the replayed history never rebuilt a deleted session.
    const lateMirror = await waitFor(late.mirror$);
    expect(earlyMirror).toBeDefined();
    expect(contentOf(lateMirror)).toEqual(contentOf(earlyMirror!));
    expect(lateMirror.get('s2')).toBeUndefined();
    expect(lateMirror.get('s1')?.message_count).toBe(fake.sessions().find((s) => s.id === 's1')?.message_count);
    // Replayed heartbeats did not make it alive: a live one (or a ping) did.
    await waitFor(late.status$, (status) => status === 'alive');
  });

  it('a replay asked beyond retention says so (a gap with where the history starts), then replays what was kept', async () => {
    const { nats, fake } = await relayedFake({ heartbeatIntervalMs: 60_000 }, { replay: { maxAgeMs: 60_000, maxMessages: 5 } });
    const witness = client(nats, fake);
    const witnessed = record(witness);
    await waitFor(witness.status$, (status) => status === 'alive');

    const before = new Date();
    for (let i = 0; i < 12; i++) await fake.publishTopic('llm.token', { session_id: 's1', token: `t${i}` });
    await waitFor(witness.events$.pipe(filter(() => witnessed.some((event) => (event.payload as { token?: string }).token === 't11'))));

    const late = client(nats, fake, { since: before });
    const reports = replayReports(late);
    const tokens: string[] = [];
    const subscription = late.on('llm.token').subscribe((event) => tokens.push(event.payload.token));
    closers.push(() => subscription.unsubscribe());
    const done = await reports;
    expect(done.map((report) => report.kind)).toEqual(['replaying', 'gap', 'caught-up']);
    const gap = done[1] as Extract<ReplayReport, { kind: 'gap' }>;
    expect(gap.reason).toBe('retention');
    expect(gap.requestedFrom).toEqual(before);
    expect(gap.availableFrom!.getTime()).toBeGreaterThan(before.getTime());
    expect(tokens).toEqual(['t7', 't8', 't9', 't10', 't11']);
  });

  it('survives the NATS server restarting (its store kept): the replaying link goes on after the last sequence it delivered, nothing twice', async () => {
    const { nats, fake, relay } = await relayedFake({ heartbeatIntervalMs: 60_000 }, { replay: { maxAgeMs: 60_000 }, reconnectTimeWait: 100 });
    await waitFor(relay.instances$, (ids) => ids.length === 1);
    const witness = client(nats, fake);
    await waitFor(witness.status$, (status) => status === 'alive');

    const replaying = client(nats, fake, { last: 60_000 });
    const tokens: string[] = [];
    const subscription = replaying.on('llm.token').subscribe((event) => tokens.push(event.payload.token));
    closers.push(() => subscription.unsubscribe());
    await replayReports(replaying);
    for (const token of ['a', 'b', 'c']) await fake.publishTopic('llm.token', { session_id: 's1', token });
    await until(() => tokens.includes('c'));

    const relayStates: string[] = [];
    const statuses: string[] = [];
    const watching = relay.nats$.subscribe((state) => relayStates.push(state));
    watching.add(replaying.status$.subscribe((status) => statuses.push(status)));
    closers.push(() => watching.unsubscribe());
    await nats.restart();
    // Both saw it go, and come back.
    await until(() => relayStates.lastIndexOf('connected') > relayStates.indexOf('disconnected') && relayStates.includes('disconnected'), 15_000);
    await until(() => statuses.includes('unreachable') && statuses[statuses.length - 1] === 'alive', 15_000);
    for (const token of ['d', 'e', 'f']) await fake.publishTopic('llm.token', { session_id: 's1', token });
    await until(() => tokens.includes('f'), 20_000);
    expect(tokens).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  }, 45_000);

  it('without a stream (a relay that keeps no history) the replay reports no-history and the events are live', async () => {
    const { nats, fake, relay } = await relayedFake({ heartbeatIntervalMs: 50 });
    await waitFor(relay.instances$, (ids) => ids.length === 1);
    const late = client(nats, fake, { last: 60_000 });
    const reports = replayReports(late);
    record(late);
    const done = await reports;
    expect(done.map((report) => report.kind)).toEqual(['replaying', 'gap', 'caught-up']);
    expect(done[1]).toMatchObject({ kind: 'gap', reason: 'no-history', availableFrom: undefined });
    await waitFor(late.events$, (event) => event.topic === 'instance.heartbeat');
    // A late subscriber of replay$ hears at once what the latest replay said.
    const heard: string[] = [];
    late.replay$.subscribe((report) => heard.push(report.kind)).unsubscribe();
    expect(heard).toEqual(['replaying', 'gap', 'caught-up']);
  });
});

describe('a replaying event link (real nats-server -js, relay, fake instance)', () => {
  it('replays only the frames of its prefixes: the stream holds every topic of the instance', async () => {
    const { nats, fake } = await relayedFake({ heartbeatIntervalMs: 50, sessions: [{ id: 's1', title: 'First', updated_at: new Date('2026-03-01T10:00:00Z'), message_count: 1 }] }, { replay: { maxAgeMs: 60_000 } });
    const witness = client(nats, fake);
    const witnessed = record(witness);
    await waitFor(witness.events$, (event) => event.topic === 'instance.heartbeat');
    const before = new Date(Date.now() - 1000);
    await fake.playTurn('s1', 'What changed?');
    await until(() => witnessed.some((event) => event.topic === 'llm.end'));

    const transport = new NatsTransport({ servers: nats.url });
    const reports: ReplayReport[] = [];
    const frames: Array<{ topic: string; replayed: boolean }> = [];
    const link = transport.replaying({ since: before }, (report) => reports.push(report)).openEvents(fake.instanceId, {
      next: (signal) => {
        if (signal.kind === 'frame') frames.push({ topic: new TextDecoder().decode(signal.frame).split('\u0000')[0]!, replayed: signal.replayed === true });
      },
      error: (err) => {
        throw err;
      },
    });
    closers.push(() => link.close());
    link.subscribe('llm.');
    await until(() => reports.some((report) => report.kind === 'caught-up'));
    const replayed = frames.filter((frame) => frame.replayed).map((frame) => frame.topic);
    expect(replayed).toContain('llm.token');
    expect(replayed).toContain('llm.end');
    expect(frames.every((frame) => frame.topic.startsWith('llm.'))).toBe(true);
  });
});

describe('startRelay cannot start', () => {
  it('rejects with RelayStartError unreachable when no NATS server answers', async () => {
    const port = await freePort();
    const started = startRelay({ nats: { servers: `nats://relay:secret@127.0.0.1:${port}` }, listing$: undefined });
    await expect(started).rejects.toBeInstanceOf(RelayStartError);
    await expect(started).rejects.toMatchObject({ reason: 'unreachable', servers: [`nats://127.0.0.1:${port}`] });
    await started.catch((error: Error) => expect(error.message).not.toContain('secret'));
  });

  it('rejects with RelayStartError no-jetstream when replay is asked of a server without JetStream', async () => {
    const nats = await startNatsServer();
    closers.push(() => nats.kill());
    await expect(startRelay({ nats: { servers: nats.url }, replay: { maxAgeMs: 60_000 } })).rejects.toMatchObject({ name: 'RelayStartError', reason: 'no-jetstream' });
  });
});
