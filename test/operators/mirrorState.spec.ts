import * as fc from 'fast-check';
import { from, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { PandoEvent, Session } from '../../src/codecs';
import { applyMirrorEvent, createMirror, mirrorState } from '../../src/operators/mirrorState';
import type { Mirror, MirrorSnapshot } from '../../src/operators/mirrorState';

// ---------------------------------------------------------------------------------------------
// Builders

const T0 = Date.UTC(2026, 2, 1, 10, 0, 0);

/** A session updated `second` seconds after T0 (Pando builds times from whole seconds). */
const session = (id: string, second: number, title = `title ${id}`, messageCount = 0): Session => ({
  id,
  title,
  updated_at: new Date(T0 + second * 1000),
  message_count: messageCount,
});

const event = (topic: string, payload: unknown, instanceId = 'inst-1'): PandoEvent =>
  ({ topic, instanceId, projectId: '', timestamp: new Date(T0), payload }) as PandoEvent;

const update = (s: Session): PandoEvent => event('session.update', s);
const activated = (s: Session): PandoEvent => event('session.activated', s);
const deleted = (s: Session): PandoEvent => event('session.deleted', s);
const list = (sessions: readonly Session[]): PandoEvent => event('session.list', { sessions });
const heartbeat = (): PandoEvent =>
  event('instance.heartbeat', {
    instance_id: 'inst-1',
    session_count: 0,
    uptime: { ms: 5000, text: '5s' },
    started_at: new Date(T0),
  });

const snapshot = (sessions: readonly Session[], activeSessionId?: string): MirrorSnapshot => ({
  instanceId: 'inst-1',
  sessions,
  ...(activeSessionId === undefined ? {} : { activeSessionId }),
  source: 'state.sync',
  syncedAt: new Date(T0),
});

const ids = (mirror: Mirror): string[] => mirror.sessions.map((s) => s.id);

/** A mirror as one short string for marbles: `ids in order (title of each) | active`. */
const view = (mirror: Mirror): string =>
  `${mirror.sessions.map((s) => `${s.id}:${s.title}`).join(',')}|${mirror.activeSessionId ?? '-'}`;

/** The order of `sessions`: updated_at descending, then id ascending. */
const byRecency = (a: Session, b: Session): number =>
  b.updated_at.getTime() - a.updated_at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

// ---------------------------------------------------------------------------------------------
// The operator, in virtual time

describe('mirrorState', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  const a1 = session('a', 1);
  const b2 = session('b', 2);
  const start = snapshot([a1, b2]);

  it('emits the snapshot first, then one mirror per change', () => {
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('  --u--a--d--|', {
        u: update(session('a', 3, 'renamed')),
        a: activated(b2),
        d: deleted(b2),
      });
      const e1subs = '  ^----------!';
      const expected = 'm-x--y--z--|';

      expectObservable(e1.pipe(mirrorState(start), map(view))).toBe(expected, {
        m: 'b:title b,a:title a|-',
        x: 'a:renamed,b:title b|-',
        y: 'a:renamed,b:title b|b',
        z: 'a:renamed|-',
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('follows the sketch of its doc comment', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const e1 = hot('  ---u---x---d---a---|', {
        u: update(session('c', 3)),
        x: deleted(session('zz', 0)),
        d: deleted(a1),
        a: activated(b2),
      });
      const expected = 'm--n-------o---p---|';

      expectObservable(e1.pipe(mirrorState(start), map(ids))).toBe(expected, {
        m: ['b', 'a'],
        n: ['c', 'b', 'a'],
        o: ['c', 'b'],
        p: ['c', 'b'],
      });
    });
  });

  it('emits nothing for events that change nothing', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const e1 = hot('  -h-s-d-x-u-|', {
        h: heartbeat(),
        s: update({ ...a1, updated_at: new Date(a1.updated_at.getTime()) }), // deep-equal
        d: deleted(session('zz', 9)), // unknown id
        x: event('llm.token', { session_id: 'a', token: 'hi' }),
        u: update(session('a', 1, 'changed')),
      });
      const expected = 'm--------u-|';

      expectObservable(e1.pipe(mirrorState(start), map(view))).toBe(expected, {
        m: 'b:title b,a:title a|-',
        u: 'b:title b,a:changed|-',
      });
    });
  });

  it('emits the snapshot and completes on an empty source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold<PandoEvent>(' |');
      const e1subs = '  (^!)';
      const expected = '(m|)';

      expectObservable(e1.pipe(mirrorState(start), map(view))).toBe(expected, { m: 'b:title b,a:title a|-' });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('emits the snapshot and never completes on a never source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold<PandoEvent>(' -');
      const e1subs = '  ^';
      const expected = 'm';

      expectObservable(e1.pipe(mirrorState(start), map(view))).toBe(expected, { m: 'b:title b,a:title a|-' });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('passes an error through', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' --u--#', { u: update(session('c', 5)) });
      const e1subs = '  ^----!';
      const expected = 'm-u--#';

      expectObservable(e1.pipe(mirrorState(start), map(view))).toBe(expected, {
        m: 'b:title b,a:title a|-',
        u: 'c:title c,b:title b,a:title a|-',
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('errors, rather than throwing, on an event whose payload breaks its type', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' --b--u--|', { b: event('session.update', null), u: update(session('c', 5)) });
      const e1subs = '  ^-!';
      const expected = 'm-#';

      expectObservable(e1.pipe(mirrorState(start), map(view))).toBe(
        expected,
        { m: 'b:title b,a:title a|-' },
        expect.any(TypeError),
      );
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('allows unsubscribing early and explicitly', () => {
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('  --u--v--w--|', {
        u: update(session('c', 5)),
        v: update(session('d', 6)),
        w: update(session('e', 7)),
      });
      const unsub = '   -----!';
      const e1subs = '  ^----!';
      const expected = 'm-u---';

      expectObservable(e1.pipe(mirrorState(start), map(ids)), unsub).toBe(expected, {
        m: ['b', 'a'],
        u: ['c', 'b', 'a'],
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('keeps state per subscription: a late subscriber starts from the snapshot', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const e1 = hot('   -u---v-|', { u: update(session('c', 5)), v: update(session('d', 6)) });
      const late = '     ---^----';
      const mirrored = e1.pipe(mirrorState(start), map(ids));

      expectObservable(mirrored).toBe('m        u---v-|', { m: ['b', 'a'], u: ['c', 'b', 'a'], v: ['d', 'c', 'b', 'a'] });
      expectObservable(mirrored, late).toBe('---m-v-|', { m: ['b', 'a'], v: ['d', 'b', 'a'] });
    });
  });

  it('emits the results of applyMirrorEvent, and no repeat for a no-op', () => {
    const emitted: Mirror[] = [];
    from([heartbeat(), update(session('a', 4)), update(session('a', 4)), deleted(session('q', 0))])
      .pipe(mirrorState(start))
      .subscribe((m) => emitted.push(m));
    expect(emitted).toHaveLength(2);
    expect(emitted[0]).not.toBe(emitted[1]);
    expect(ids(emitted[1]!)).toEqual(['a', 'b']);
    expect(emitted[1]!.get('b')).toBe(b2);
  });
});

// ---------------------------------------------------------------------------------------------
// The pure functions

describe('createMirror', () => {
  it('orders sessions by updated_at descending, then id ascending', () => {
    const mirror = createMirror(snapshot([session('b', 1), session('c', 2), session('a', 1), session('d', 0)]));
    expect(ids(mirror)).toEqual(['c', 'a', 'b', 'd']);
  });

  it('keeps ties in id order, whatever the input order (times from whole seconds)', () => {
    const same = ['m', 'b', 'z', 'a', 'k'].map((id) => session(id, 7));
    expect(ids(createMirror(snapshot(same)))).toEqual(['a', 'b', 'k', 'm', 'z']);
    expect(ids(createMirror(snapshot([...same].reverse())))).toEqual(['a', 'b', 'k', 'm', 'z']);
  });

  it('keeps the last occurrence of a repeated id', () => {
    const mirror = createMirror(snapshot([session('a', 1, 'old'), session('b', 2), session('a', 0, 'new')]));
    expect(mirror.size).toBe(2);
    expect(mirror.get('a')?.title).toBe('new');
    expect(ids(mirror)).toEqual(['b', 'a']);
  });

  it('holds the snapshot header and the session objects as given', () => {
    const a = session('a', 1);
    const snap = snapshot([a], 'a');
    const mirror = createMirror(snap);
    expect(mirror.instanceId).toBe('inst-1');
    expect(mirror.activeSessionId).toBe('a');
    expect(mirror.source).toBe('state.sync');
    expect(mirror.syncedAt).toBe(snap.syncedAt);
    expect(mirror.get('a')).toBe(a);
    expect(mirror.get('nope')).toBeUndefined();
    expect(mirror.sessions[0]).toBe(a);
  });

  it('is frozen, and so is its sessions array, which is computed once per Mirror', () => {
    const mirror = createMirror(snapshot([session('a', 1)]));
    expect(Object.isFrozen(mirror)).toBe(true);
    expect(Object.isFrozen(mirror.sessions)).toBe(true);
    expect(mirror.sessions).toBe(mirror.sessions);
    expect(() => {
      (mirror as { activeSessionId?: string }).activeSessionId = 'x';
    }).toThrow(TypeError);
  });

  it('serializes to its data, not its indexes', () => {
    const mirror = createMirror(snapshot([session('a', 1)], 'a'));
    expect(JSON.parse(JSON.stringify(mirror))).toEqual({
      instanceId: 'inst-1',
      activeSessionId: 'a',
      source: 'state.sync',
      syncedAt: new Date(T0).toISOString(),
      sessions: [{ id: 'a', title: 'title a', updated_at: new Date(T0 + 1000).toISOString(), message_count: 0 }],
    });
  });

  it('starts empty from an empty snapshot', () => {
    const mirror = createMirror(snapshot([]));
    expect(mirror.size).toBe(0);
    expect(mirror.sessions).toEqual([]);
  });
});

describe('applyMirrorEvent', () => {
  const a1 = session('a', 1);
  const b2 = session('b', 2);
  const c3 = session('c', 3);
  const base = createMirror(snapshot([a1, b2, c3], 'b'));

  describe('returns the SAME Mirror when nothing changes', () => {
    it.each([
      ['an update deep-equal to the session', update({ ...a1, updated_at: new Date(a1.updated_at.getTime()) })],
      ['the same session object again', update(a1)],
      ['deleting an unknown id', deleted(session('zz', 1))],
      ['activating the already active session, unchanged', activated({ ...b2 })],
      ['a session.list equal to the mirror', list([{ ...c3 }, { ...a1 }, { ...b2 }])],
      ['a heartbeat', heartbeat()],
      ['another known topic', event('llm.token', { session_id: 'a', token: 't' })],
      ['an unknown topic', event('session.archived', { id: 'a' })],
    ])('%s', (_, e) => {
      expect(applyMirrorEvent(base, e)).toBe(base);
    });
  });

  it('session.update inserts a new session in its place', () => {
    const next = applyMirrorEvent(base, update(session('d', 2)));
    expect(ids(next)).toEqual(['c', 'b', 'd', 'a']);
    expect(next.size).toBe(4);
    expect(next.activeSessionId).toBe('b');
  });

  it('session.update replaces the whole session and moves it', () => {
    const newer = session('a', 9, 'renamed', 4);
    const next = applyMirrorEvent(base, update(newer));
    expect(ids(next)).toEqual(['a', 'c', 'b']);
    expect(next.get('a')).toBe(newer);
    expect(base.get('a')).toBe(a1); // the old Mirror is untouched
    expect(ids(base)).toEqual(['c', 'b', 'a']);
  });

  it('session.update with the same updated_at (same second) changes it in place', () => {
    const renamed = session('b', 2, 'renamed');
    const next = applyMirrorEvent(base, update(renamed));
    expect(ids(next)).toEqual(['c', 'b', 'a']);
    expect(next.sessions[1]).toBe(renamed);
  });

  it('session.update can move a session back in time, and ties sort by id', () => {
    const next = applyMirrorEvent(base, update(session('c', 2)));
    expect(ids(next)).toEqual(['b', 'c', 'a']);
    const next2 = applyMirrorEvent(next, update(session('a', 2)));
    expect(ids(next2)).toEqual(['a', 'b', 'c']);
  });

  it('session.deleted removes the session with that id, whatever the payload else says', () => {
    const next = applyMirrorEvent(base, deleted(session('a', 42, 'stale copy')));
    expect(ids(next)).toEqual(['c', 'b']);
    expect(next.get('a')).toBeUndefined();
    expect(next.activeSessionId).toBe('b');
  });

  it('session.deleted of the active session clears activeSessionId', () => {
    const next = applyMirrorEvent(base, deleted(b2));
    expect(next.activeSessionId).toBeUndefined();
    expect(ids(next)).toEqual(['c', 'a']);
  });

  it('session.activated sets the active session and upserts it', () => {
    const next = applyMirrorEvent(base, activated(session('e', 0)));
    expect(next.activeSessionId).toBe('e');
    expect(ids(next)).toEqual(['c', 'b', 'a', 'e']);
  });

  it('session.activated of an unchanged session shares the sessions array', () => {
    const before = base.sessions;
    const next = applyMirrorEvent(base, activated({ ...a1 }));
    expect(next).not.toBe(base);
    expect(next.activeSessionId).toBe('a');
    expect(next.sessions).toBe(before);
  });

  it('session.activated of the active session, changed, is a change', () => {
    const next = applyMirrorEvent(base, activated(session('b', 2, 'renamed')));
    expect(next).not.toBe(base);
    expect(next.activeSessionId).toBe('b');
    expect(next.get('b')?.title).toBe('renamed');
  });

  it('session.list replaces the set and keeps the identity of sessions that did not change', () => {
    const b2changed = session('b', 5, 'renamed');
    const next = applyMirrorEvent(base, list([{ ...a1 }, b2changed, session('d', 4)]));
    expect(ids(next)).toEqual(['b', 'd', 'a']);
    expect(next.get('a')).toBe(a1);
    expect(next.get('b')).toBe(b2changed);
    expect(next.get('c')).toBeUndefined();
    expect(next.activeSessionId).toBe('b');
  });

  it('session.list that drops only sessions is a change', () => {
    const next = applyMirrorEvent(base, list([{ ...a1 }, { ...b2 }]));
    expect(ids(next)).toEqual(['b', 'a']);
    expect(next.sessions[1]).toBe(a1);
  });

  it('session.list without the active session clears activeSessionId', () => {
    const next = applyMirrorEvent(base, list([a1, c3]));
    expect(next.activeSessionId).toBeUndefined();
    const empty = applyMirrorEvent(base, list([]));
    expect(empty.size).toBe(0);
    expect(empty.activeSessionId).toBeUndefined();
  });

  it('ignores the event instanceId (heartbeats make it unreliable)', () => {
    const next = applyMirrorEvent(base, event('session.update', session('d', 9), 'tcp://127.0.0.1:46503'));
    expect(next.get('d')).toBeDefined();
  });

  it('keeps the snapshot header through changes', () => {
    const next = applyMirrorEvent(base, list([session('x', 1)]));
    expect(next.instanceId).toBe(base.instanceId);
    expect(next.source).toBe(base.source);
    expect(next.syncedAt).toBe(base.syncedAt);
    expect(Object.isFrozen(next)).toBe(true);
  });

  it('refuses a Mirror it did not make', () => {
    const fake: Mirror = { instanceId: 'i', sessions: [], get: () => undefined, size: 0, syncedAt: new Date(), source: 'state.sync' };
    expect(() => applyMirrorEvent(fake, update(a1))).toThrow(TypeError);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties against a naive model

/** The obvious implementation: a Map and a full sort. */
class NaiveModel {
  readonly byId = new Map<string, Session>();
  active: string | undefined;

  constructor(snap: MirrorSnapshot) {
    for (const s of snap.sessions) this.byId.set(s.id, s);
    this.active = snap.activeSessionId;
  }

  apply(e: PandoEvent): void {
    const payload = e.payload as Session & { sessions: Session[] };
    switch (e.topic) {
      case 'session.update':
        this.byId.set(payload.id, payload);
        break;
      case 'session.activated':
        this.byId.set(payload.id, payload);
        this.active = payload.id;
        break;
      case 'session.deleted':
        this.byId.delete(payload.id);
        if (this.active === payload.id) this.active = undefined;
        break;
      case 'session.list':
        this.byId.clear();
        for (const s of payload.sessions) this.byId.set(s.id, s);
        if (this.active !== undefined && !this.byId.has(this.active)) this.active = undefined;
        break;
    }
  }

  sessions(): Session[] {
    return [...this.byId.values()].sort(byRecency);
  }
}

// Few ids, few seconds, few titles: collisions, ties and deep-equal updates are frequent.
const arbId = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g');
const arbSession = (id: fc.Arbitrary<string> = arbId): fc.Arbitrary<Session> =>
  fc
    .record({ id, second: fc.integer({ min: 0, max: 4 }), title: fc.constantFrom('x', 'y'), count: fc.integer({ min: 0, max: 2 }) })
    .map(({ id: sid, second, title, count }) => session(sid, second, title, count));
const arbSnapshot: fc.Arbitrary<MirrorSnapshot> = fc
  .tuple(fc.array(arbSession(), { maxLength: 8 }), fc.option(arbId, { nil: undefined }))
  .map(([sessions, active]) => snapshot(sessions, active));
const arbEvent: fc.Arbitrary<PandoEvent> = fc.oneof(
  { weight: 4, arbitrary: arbSession().map(update) },
  { weight: 2, arbitrary: arbSession().map(activated) },
  { weight: 2, arbitrary: arbSession().map(deleted) },
  { weight: 1, arbitrary: fc.array(arbSession(), { maxLength: 8 }).map(list) },
  { weight: 1, arbitrary: fc.constant(heartbeat()) },
);

const isSortedStrictly = (sessions: readonly Session[]): boolean =>
  sessions.every((s, i) => i === 0 || byRecency(sessions[i - 1]!, s) < 0);

describe('applyMirrorEvent properties', () => {
  it('(a) agrees with a naive Map + full sort model after any events: sessions, order, active', () => {
    fc.assert(
      fc.property(arbSnapshot, fc.array(arbEvent, { maxLength: 40 }), (snap, events) => {
        const model = new NaiveModel(snap);
        let mirror = createMirror(snap);
        for (const e of events) {
          model.apply(e);
          mirror = applyMirrorEvent(mirror, e);
          expect(mirror.sessions).toEqual(model.sessions());
          expect(mirror.activeSessionId).toBe(model.active);
          expect(mirror.size).toBe(model.byId.size);
        }
      }),
    );
  });

  it('never changes identity of what did not change, and is a no-op exactly when nothing did', () => {
    fc.assert(
      fc.property(arbSnapshot, fc.array(arbEvent, { maxLength: 30 }), (snap, events) => {
        let mirror = createMirror(snap);
        for (const e of events) {
          const before = mirror.sessions;
          const next = applyMirrorEvent(mirror, e);
          for (const s of next.sessions) {
            const old = mirror.get(s.id);
            if (old !== undefined && JSON.stringify(old) === JSON.stringify(s)) expect(s).toBe(old);
          }
          const same =
            next.activeSessionId === mirror.activeSessionId &&
            next.sessions.length === before.length &&
            next.sessions.every((s, i) => s === before[i]);
          expect(next === mirror).toBe(same);
          mirror = next;
        }
      }),
    );
  });

  it('(b) any interleaving of buffered and live updates converges to the last state of each session', () => {
    const arbScenario = fc
      .record({
        initial: fc.array(arbSession(), { maxLength: 7 }),
        // Per session, the updates the instance publishes, in order.
        perSession: fc.dictionary(arbId, fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 6 }), { minKeys: 1 }),
        picks: fc.array(fc.nat(), { minLength: 60, maxLength: 60 }),
        cuts: fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
      })
      .map(({ initial, perSession, picks, cuts }) => {
        // The updates of each session, each a whole session; times repeat (whole seconds).
        const queues = Object.entries(perSession).map(([id, seeds]) =>
          seeds.map((seed, n) => session(id, Math.floor(seed / 300), `v${n}-${seed}`, n)),
        );
        const last = new Map(queues.map((q) => [q[0]!.id, q[q.length - 1]!] as const));
        // An arbitrary interleaving that keeps each session's own order.
        const stream: Session[] = [];
        const heads = queues.map(() => 0);
        let p = 0;
        for (;;) {
          const open = queues.map((_, i) => i).filter((i) => heads[i]! < queues[i]!.length);
          if (open.length === 0) break;
          const q = open[(picks[p++ % picks.length] ?? 0) % open.length]!;
          stream.push(queues[q]![heads[q]!++]!);
        }
        // We subscribe at `subscribedAt`; the snapshot is taken later, at `snapshotAt`, so the
        // events between the two are both in the snapshot and in the buffer that is replayed.
        const [x, y] = cuts;
        const subscribedAt = Math.floor(Math.min(x, y) * stream.length);
        const snapshotAt = Math.floor(Math.max(x, y) * stream.length);
        return { initial, stream, last, subscribedAt, snapshotAt };
      });

    fc.assert(
      fc.property(arbScenario, ({ initial, stream, last, subscribedAt, snapshotAt }) => {
        const atSnapshot = new NaiveModel(snapshot(initial));
        stream.slice(0, snapshotAt).forEach((s) => atSnapshot.apply(update(s)));
        let mirror = createMirror(snapshot(atSnapshot.sessions()));
        for (const s of stream.slice(subscribedAt)) mirror = applyMirrorEvent(mirror, update(s));

        for (const [id, final] of last) expect(mirror.get(id)).toEqual(final);
        const untouched = new NaiveModel(snapshot(initial));
        for (const [id, s] of untouched.byId) if (!last.has(id)) expect(mirror.get(id)).toEqual(s);
        expect(isSortedStrictly(mirror.sessions)).toBe(true);
      }),
    );
  });

  it('(c) sessions is always sorted, without repeats, and get(id) agrees with it', () => {
    fc.assert(
      fc.property(arbSnapshot, fc.array(arbEvent, { maxLength: 40 }), fc.array(arbId, { maxLength: 7 }), (snap, events, probes) => {
        const mirror = events.reduce(applyMirrorEvent, createMirror(snap));
        const sessions = mirror.sessions;
        expect(isSortedStrictly(sessions)).toBe(true);
        expect(new Set(sessions.map((s) => s.id)).size).toBe(sessions.length);
        expect(mirror.size).toBe(sessions.length);
        for (const s of sessions) expect(mirror.get(s.id)).toBe(s);
        for (const id of probes) expect(mirror.get(id)).toBe(sessions.find((s) => s.id === id));
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Persistence: every Mirror answers as its own state, whatever was read or applied since

/** Two sessions as `applyMirrorEvent` compares them (these test sessions are plain JSON). */
const sameSession = (a: Session, b: Session): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The naive model as an immutable value that keeps identities as the mirror does. */
class Model {
  constructor(
    readonly byId: ReadonlyMap<string, Session>,
    readonly active: string | undefined,
  ) {}

  static of(snap: MirrorSnapshot): Model {
    return new Model(new Map(snap.sessions.map((s) => [s.id, s] as const)), snap.activeSessionId);
  }

  /** The state after `e`; this one is unchanged. */
  apply(e: PandoEvent): Model {
    const keep = (s: Session): Session => {
      const old = this.byId.get(s.id);
      return old !== undefined && sameSession(old, s) ? old : s;
    };
    const payload = e.payload as Session & { sessions: Session[] };
    const byId = new Map(this.byId);
    switch (e.topic) {
      case 'session.update':
        byId.set(payload.id, keep(payload));
        return new Model(byId, this.active);
      case 'session.activated':
        byId.set(payload.id, keep(payload));
        return new Model(byId, payload.id);
      case 'session.deleted':
        byId.delete(payload.id);
        return new Model(byId, this.active === payload.id ? undefined : this.active);
      case 'session.list': {
        const next = new Map(payload.sessions.map((s) => [s.id, s] as const));
        for (const [id, s] of next) next.set(id, keep(s));
        return new Model(next, this.active !== undefined && next.has(this.active) ? this.active : undefined);
      }
      default:
        return this;
    }
  }

  /** Whether `other` is the same state, session objects included. */
  sameAs(other: Model): boolean {
    if (this.active !== other.active || this.byId.size !== other.byId.size) return false;
    for (const [id, s] of this.byId) if (other.byId.get(id) !== s) return false;
    return true;
  }

  sessions(): Session[] {
    return [...this.byId.values()].sort(byRecency);
  }
}

type Aspect = 'get' | 'sessions' | 'size' | 'active' | 'json';

/** Checks one aspect of `mirror` against `model`, by identity where the mirror promises it. */
const check = (mirror: Mirror, model: Model, universe: readonly string[], aspect: Aspect): void => {
  switch (aspect) {
    case 'get':
      for (const id of universe) expect(mirror.get(id)).toBe(model.byId.get(id));
      break;
    case 'sessions': {
      const expected = model.sessions();
      const actual = mirror.sessions;
      expect(actual.length).toBe(expected.length);
      actual.forEach((s, i) => expect(s).toBe(expected[i]));
      expect(Object.isFrozen(actual)).toBe(true);
      break;
    }
    case 'size':
      expect(mirror.size).toBe(model.byId.size);
      break;
    case 'active':
      expect(mirror.activeSessionId).toBe(model.active);
      break;
    case 'json':
      expect((mirror as Mirror & { toJSON(): MirrorSnapshot }).toJSON().sessions).toEqual(model.sessions());
      break;
  }
};
const ASPECTS: readonly Aspect[] = ['get', 'sessions', 'size', 'active', 'json'];

/** `n` ids: 7 make collisions and ties frequent; 40 give `sessions` many changes between reads. */
const universeOf = (n: number): string[] => Array.from({ length: n }, (_, i) => `id${String(i).padStart(2, '0')}`);

type Op =
  | { readonly kind: 'apply'; readonly from: number | 'newest'; readonly event: PandoEvent }
  | { readonly kind: 'burst'; readonly events: readonly PandoEvent[] }
  | { readonly kind: 'read'; readonly which: number; readonly aspect: Aspect };

const arbScenarioOver = (universe: readonly string[]) => {
  const id = fc.constantFrom(...universe);
  const event: fc.Arbitrary<PandoEvent> = fc.oneof(
    { weight: 6, arbitrary: arbSession(id).map(update) },
    { weight: 2, arbitrary: arbSession(id).map(activated) },
    { weight: 2, arbitrary: arbSession(id).map(deleted) },
    { weight: 1, arbitrary: fc.array(arbSession(id), { maxLength: universe.length }).map(list) },
    { weight: 1, arbitrary: fc.constant(heartbeat()) },
  );
  const op: fc.Arbitrary<Op> = fc.oneof(
    // Mostly to the newest Mirror, as a stream does; sometimes to an older one (a branch).
    {
      weight: 6,
      arbitrary: fc
        .record({ from: fc.oneof({ weight: 3, arbitrary: fc.constant('newest' as const) }, { weight: 1, arbitrary: fc.nat() }), event })
        .map(({ from, event: e }): Op => ({ kind: 'apply', from, event: e })),
    },
    {
      weight: 3,
      arbitrary: fc
        .record({ which: fc.nat(), aspect: fc.constantFrom(...ASPECTS) })
        .map(({ which, aspect }): Op => ({ kind: 'read', which, aspect })),
    },
    // Many events to the newest, kept as one Mirror: enough to end an epoch of the store.
    {
      weight: 1,
      arbitrary: fc
        .array(event, { minLength: 50, maxLength: 300 })
        .map((events): Op => ({ kind: 'burst', events })),
    },
  );
  return fc.record({
    snap: fc
      .tuple(fc.array(arbSession(id), { maxLength: universe.length }), fc.option(id, { nil: undefined }))
      .map(([sessions, active]) => snapshot(sessions, active)),
    ops: fc.array(op, { maxLength: 80 }),
    // The order of the final reads: a permutation drawn from these.
    shuffle: fc.array(fc.nat(), { minLength: 1, maxLength: 100 }),
  });
};

describe('applyMirrorEvent persistence', () => {
  it.each([[7], [40]])(
    'every Mirror keeps its own state, whatever is read or applied in between, in any order (%i ids)',
    (n) => {
      const universe = universeOf(n);
      fc.assert(
        fc.property(arbScenarioOver(universe), ({ snap, ops, shuffle }) => {
          const mirrors: Mirror[] = [createMirror(snap)];
          const models: Model[] = [Model.of(snap)];
          for (const op of ops) {
            if (op.kind === 'apply') {
              const i = op.from === 'newest' ? mirrors.length - 1 : op.from % mirrors.length;
              const next = applyMirrorEvent(mirrors[i]!, op.event);
              const model = models[i]!.apply(op.event);
              expect(next === mirrors[i]).toBe(model.sameAs(models[i]!));
              if (next !== mirrors[i]) {
                mirrors.push(next);
                models.push(model);
              }
            } else if (op.kind === 'burst') {
              let mirror = mirrors[mirrors.length - 1]!;
              let model = models[models.length - 1]!;
              for (const e of op.events) {
                mirror = applyMirrorEvent(mirror, e);
                model = model.apply(e);
              }
              mirrors.push(mirror);
              models.push(model);
            } else {
              const i = op.which % mirrors.length;
              check(mirrors[i]!, models[i]!, universe, op.aspect);
            }
          }
          // At the end, every Mirror in a random order, every aspect: each one reroots the family.
          const order = mirrors.map((_, i) => i);
          for (let i = order.length - 1; i > 0; i--) {
            const j = shuffle[i % shuffle.length]! % (i + 1);
            [order[i], order[j]] = [order[j]!, order[i]!];
          }
          for (const i of order) for (const aspect of ASPECTS) check(mirrors[i]!, models[i]!, universe, aspect);
        }),
        { numRuns: 150 },
      );
    },
  );

  it('sessions, read after batches of any size (a few, many, a bulk, ids that come and go), is the full sort', () => {
    const kept = fc.integer({ min: 0, max: 39 }).map((i) => `k${String(i).padStart(2, '0')}`);
    // An id that comes and goes between two reads.
    const arbChurn = fc
      .integer({ min: 0, max: 9999 })
      .map((i) => [update(session(`x${i}`, i % 5)), deleted(session(`x${i}`, 0))]);
    const arbStep = fc.oneof(
      { weight: 4, arbitrary: arbSession(kept).map((s) => [update(s)]) },
      { weight: 1, arbitrary: arbSession(kept).map((s) => [deleted(s)]) },
      { weight: 1, arbitrary: arbSession(kept).map((s) => [activated(s)]) },
      { weight: 1, arbitrary: arbChurn },
    );
    const arbBatch = fc.oneof(
      fc.array(arbStep, { maxLength: 8 }), // a few: spliced into a copy
      fc.array(arbStep, { minLength: 9, maxLength: 30 }), // many: sorted among themselves and merged
      fc.array(arbSession(kept), { maxLength: 40 }).map((sessions) => [[list(sessions)]]), // a bulk change
      // More ids come and go than the mirror holds: it stops tracking them, and sorts anew.
      fc.tuple(fc.array(arbChurn, { minLength: 130, maxLength: 160 }), fc.array(arbStep, { maxLength: 8 })).map(([a, b]) => [...a, ...b]),
    );
    fc.assert(
      fc.property(
        fc.array(arbSession(kept), { minLength: 20, maxLength: 40 }),
        fc.array(fc.tuple(arbBatch, fc.boolean()), { maxLength: 8 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
        (initial, batches, picks) => {
          const snap = snapshot(initial);
          const mirrors: Mirror[] = [createMirror(snap)];
          const models: Model[] = [Model.of(snap)];
          check(mirrors[0]!, models[0]!, [], 'sessions');
          for (const [batch, readOld] of batches) {
            let mirror = mirrors[mirrors.length - 1]!;
            let model = models[models.length - 1]!;
            for (const e of batch.flat()) {
              mirror = applyMirrorEvent(mirror, e);
              model = model.apply(e);
            }
            mirrors.push(mirror);
            models.push(model);
            // Sometimes an older Mirror first: the family goes back, then forth for the newest.
            if (readOld) {
              const i = picks[mirrors.length % picks.length]! % mirrors.length;
              check(mirrors[i]!, models[i]!, [], 'sessions');
            }
            check(mirror, model, [], 'sessions');
          }
          mirrors.forEach((m, i) => check(m, models[i]!, [], 'sessions'));
        },
      ),
      { numRuns: 150 },
    );
  });

  const a1 = session('a', 1);
  const b2 = session('b', 2);
  const c3 = session('c', 3);

  it('reads an old Mirror between events, and the stream goes on from the newest', () => {
    const m0 = createMirror(snapshot([a1, b2, c3], 'b'));
    const renamed = session('a', 9, 'renamed');
    const m1 = applyMirrorEvent(m0, update(renamed));
    const m2 = applyMirrorEvent(m1, deleted(b2));

    // A reader looks at the first Mirror (`get` before `sessions`, so that nothing is cached)...
    expect(m0.get('a')).toBe(a1);
    expect(m0.get('b')).toBe(b2);
    expect(m0.size).toBe(3);
    expect(ids(m0)).toEqual(['c', 'b', 'a']);
    expect(m0.activeSessionId).toBe('b');

    // ...while the stream applies the next event to the newest one.
    const d10 = session('d', 10);
    const m3 = applyMirrorEvent(m2, update(d10));
    expect(ids(m3)).toEqual(['d', 'a', 'c']);
    expect(m3.get('d')).toBe(d10);
    expect(m3.get('a')).toBe(renamed);
    expect(m3.get('b')).toBeUndefined();
    expect(m3.activeSessionId).toBeUndefined();

    // Every Mirror still answers as it did.
    expect(m1.get('b')).toBe(b2);
    expect(ids(m1)).toEqual(['a', 'c', 'b']);
    expect(m2.get('a')).toBe(renamed);
    expect(m2.get('b')).toBeUndefined();
    expect(ids(m2)).toEqual(['a', 'c']);
    expect(m0.get('a')).toBe(a1);
    expect(m0.get('d')).toBeUndefined();
    expect(m3.get('d')).toBe(d10);
    expect([m0.size, m1.size, m2.size, m3.size]).toEqual([3, 3, 2, 3]);
  });

  it('applies an event to an old Mirror as a branch: both branches and the newest stay correct', () => {
    const m0 = createMirror(snapshot([a1, b2, c3], 'c'));
    const m1 = applyMirrorEvent(m0, update(session('a', 5, 'a1')));
    const m2 = applyMirrorEvent(m1, update(session('b', 6, 'b1')));

    const branch = applyMirrorEvent(m0, deleted(c3)); // from the first Mirror, not the newest
    expect(branch).not.toBe(m0);
    expect(ids(branch)).toEqual(['b', 'a']);
    expect(branch.get('a')).toBe(a1);
    expect(branch.get('c')).toBeUndefined();
    expect(branch.activeSessionId).toBeUndefined();

    // The newest goes on, then the branch does, then the newest again.
    const e7 = session('e', 7);
    const m3 = applyMirrorEvent(m2, update(e7));
    const branch2 = applyMirrorEvent(branch, activated(session('f', 0)));
    const m4 = applyMirrorEvent(m3, deleted(a1));

    expect(ids(m4)).toEqual(['e', 'b', 'c']);
    expect(m4.get('e')).toBe(e7);
    expect(m4.activeSessionId).toBe('c');
    expect(ids(branch2)).toEqual(['b', 'a', 'f']);
    expect(branch2.activeSessionId).toBe('f');
    expect(branch2.get('e')).toBeUndefined();
    expect(ids(m3)).toEqual(['e', 'b', 'a', 'c']);
    expect(m3.get('a')?.title).toBe('a1');
    expect(branch.get('f')).toBeUndefined();
    expect(ids(m2)).toEqual(['b', 'a', 'c']);
    expect(m2.get('b')?.title).toBe('b1');
    expect(m0.get('b')).toBe(b2);
    expect(ids(m0)).toEqual(['c', 'b', 'a']);
    expect(m4.get('a')).toBeUndefined();
  });

  it('walks a long history back and forth without recursion (100,000 changes)', () => {
    const m0 = createMirror(snapshot([a1, b2, c3]));
    let m = m0;
    for (let i = 0; i < 100_000; i++) m = applyMirrorEvent(m, update(session('a', 10 + i)));
    expect(m0.get('a')).toBe(a1); // 100,000 steps back
    expect(m.get('a')?.updated_at.getTime()).toBe(T0 + (10 + 99_999) * 1000); // and forth
    expect(ids(m0)).toEqual(['c', 'b', 'a']);
    expect(ids(m)).toEqual(['a', 'c', 'b']);
    const last = applyMirrorEvent(m, deleted(b2));
    expect(ids(last)).toEqual(['a', 'c']);
    expect(m0.size).toBe(3);
  });

  it('keeps every Mirror right across the epochs of the store, whatever order sessions is read in', () => {
    // Epochs end every max(256, 4n) changes: 1,000 changes over 10 sessions make a few.
    const start = snapshot(Array.from({ length: 10 }, (_, i) => session(`e${i}`, i)));
    const mirrors: Mirror[] = [createMirror(start)];
    const models: Model[] = [Model.of(start)];
    void mirrors[0]!.sessions; // `order` is tracked from here on
    for (let i = 0; i < 1000; i++) {
      const e = i % 7 === 6 ? deleted(session(`e${(i * 3) % 12}`, 0)) : update(session(`e${(i * 5) % 12}`, (i * 13) % 50, `v${i}`));
      const next = applyMirrorEvent(mirrors[mirrors.length - 1]!, e);
      const model = models[models.length - 1]!.apply(e);
      if (next !== mirrors[mirrors.length - 1]) {
        mirrors.push(next);
        models.push(model);
      }
    }
    const universe = Array.from({ length: 12 }, (_, i) => `e${i}`);
    const last = mirrors.length - 1;
    check(mirrors[last]!, models[last]!, universe, 'sessions');
    // Newest to oldest: each read goes back into an older epoch whose `order` was left behind.
    for (let i = last; i >= 0; i--) check(mirrors[i]!, models[i]!, universe, 'sessions');
    for (let i = 0; i <= last; i += 37) check(mirrors[i]!, models[i]!, universe, 'get');
  });

  it('a Mirror kept while the stream goes on does not retain the sessions that came after it', async () => {
    // What the old Mirror holds on to is its own epoch (max(256, 4n) changes), not the history.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    type Ref<T> = { deref(): T | undefined };
    const WeakRefOf = (globalThis as unknown as { WeakRef: new <T extends object>(target: T) => Ref<T> }).WeakRef;

    const m0 = createMirror(snapshot([a1, b2, c3]));
    let m = m0;
    const later: Ref<Session>[] = [];
    for (let i = 0; i < 3000; i++) {
      const s = session('a', 10 + i);
      if (i >= 1000 && i < 1100) later.push(new WeakRefOf(s)); // replaced long before the end
      m = applyMirrorEvent(m, update(s));
    }
    await new Promise((resolve) => setTimeout(resolve, 0)); // WeakRefs hold until the job ends
    gc();
    expect(later.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    expect(m0.get('a')).toBe(a1);
    expect(ids(m0)).toEqual(['c', 'b', 'a']);
    expect(m.get('a')?.updated_at.getTime()).toBe(T0 + (10 + 2999) * 1000);
  });
});

// ---------------------------------------------------------------------------------------------
// The cost model at 10,000 sessions, checked by what runs, not by time (timing is the benchmark's)

describe('applyMirrorEvent on 10,000 sessions', () => {
  const N = 10_000;
  const idOf = (i: number): string => `s${String(i).padStart(5, '0')}`;
  // Three sessions per second, as Pando's whole-second times make ties common.
  const bigSessions = Array.from({ length: N }, (_, i) => session(idOf(i), Math.floor(i / 3)));
  const bigSnapshot = snapshot(bigSessions, idOf(0));

  /**
   * Runs `f` with spies on what sorts, copies or walks a collection: `Array.prototype` methods,
   * `Array.from`, and every way to iterate a `Map`. The spies are set up and read with nothing
   * but property accesses and plain loops, so that they see `f` alone.
   */
  const watch = <T>(f: () => T) => {
    // Each Map walk records the size of the Map when it starts.
    const walkedSizes: number[] = [];
    const mapProto = Map.prototype as unknown as Record<PropertyKey, (...args: unknown[]) => unknown>;
    const maps = (['forEach', 'entries', 'values', 'keys', Symbol.iterator] as const).map((key) => {
      const original = mapProto[key]!;
      return jest.spyOn(mapProto, key).mockImplementation(function (this: Map<unknown, unknown>, ...args: unknown[]) {
        walkedSizes.push(this.size);
        return original.apply(this, args);
      });
    });
    const from = jest.spyOn(Array, 'from');
    const sort = jest.spyOn(Array.prototype, 'sort');
    const copies = [
      jest.spyOn(Array.prototype, 'slice'),
      jest.spyOn(Array.prototype, 'concat'),
      jest.spyOn(Array.prototype, 'splice'),
      jest.spyOn(Array.prototype, 'filter'),
      jest.spyOn(Array.prototype, 'map'),
    ];
    const all = [sort, ...copies, from, ...maps];
    // `mockRestore` forgets the calls: keep the records it replaces.
    const records: { calls: unknown[][]; contexts: unknown[] }[] = [];
    let result: T;
    try {
      result = f();
    } finally {
      for (let i = 0; i < all.length; i++) records.push(all[i]!.mock);
      for (let i = 0; i < all.length; i++) all[i]!.mockRestore();
    }
    const lengthsOf = (record: { contexts: unknown[] }): number[] =>
      record.contexts.map((ctx) => (ctx as unknown[]).length);
    const [sortRecord, ...rest] = records;
    const copyRecords = rest.slice(0, copies.length);
    return {
      result,
      sorts: sortRecord!.calls.length,
      /** The lengths of the arrays sorted. */
      sortedLengths: lengthsOf(sortRecord!),
      /** The longest array that any of the spied `Array.prototype` methods ran on. */
      longestArray: Math.max(0, ...[sortRecord!, ...copyRecords].flatMap(lengthsOf)),
      /** How many times one of them ran on an array of 1,000 or more. */
      longArrayOps: [sortRecord!, ...copyRecords].flatMap(lengthsOf).filter((n) => n >= 1000).length,
      arrayFroms: rest[copies.length]!.calls.length,
      mapWalks: rest.slice(copies.length + 1).reduce((n, r) => n + r.calls.length, 0),
      /** The largest Map walked. */
      largestMapWalked: Math.max(0, ...walkedSizes),
    };
  };

  const sample = Array.from({ length: 100 }, (_, i) => idOf(i * 97));

  it.each([
    ['an update that moves a session to the top', update(session(idOf(5000), 99_999, 'moved'))],
    ['an update in place (same second)', update(session(idOf(5000), Math.floor(5000 / 3), 'renamed'))],
    ['an insert', update(session('new', 1234))],
    ['a delete', deleted(session(idOf(5000), 0))],
    ['an activation', activated(session(idOf(7777), 99_999))],
    ['the delete of the active session', deleted(session(idOf(0), 0))],
  ])('%s sorts nothing, copies nothing, walks no Map, and shares every other session', (_, e) => {
    for (const readFirst of [false, true]) {
      const big = createMirror(bigSnapshot);
      if (readFirst) void big.sessions; // `sessions` read: the next apply also records what it changes for `order`
      const oldSessions = readFirst ? big.sessions : undefined;
      const { result: next, sorts, longestArray, arrayFroms, mapWalks } = watch(() => applyMirrorEvent(big, e));
      expect({ sorts, arrayFroms, mapWalks }).toEqual({ sorts: 0, arrayFroms: 0, mapWalks: 0 });
      expect(longestArray).toBeLessThanOrEqual(1);

      expect(next).not.toBe(big);
      const changedId = (e.payload as Session).id;
      for (const id of sample) if (id !== changedId) expect(next.get(id)).toBe(big.get(id));
      // The old Mirror is unchanged.
      expect(big.size).toBe(N);
      expect(big.get(idOf(5000))).toBe(bigSessions[5000]);
      expect(big.get('new')).toBeUndefined();
      if (oldSessions !== undefined) expect(big.sessions).toBe(oldSessions);
      expect(big.sessions).toHaveLength(N);
    }
  });

  it('reads sessions after a few changes without sorting: a copy and a binary search per change', () => {
    const m0 = createMirror(bigSnapshot);
    const first = watch(() => m0.sessions);
    expect(first.sorts).toBe(1); // the first read sorts, once
    expect(first.result).toHaveLength(N);

    const moved = session(idOf(1), 99_999, 'moved');
    const inserted = session('new', 2000);
    const m1 = applyMirrorEvent(m0, update(moved));
    const m2 = applyMirrorEvent(m1, update(inserted));
    const m3 = applyMirrorEvent(m2, deleted(session(idOf(9999), 0)));
    const read = watch(() => m3.sessions);
    expect(read.sorts).toBe(0);
    expect(read.largestMapWalked).toBe(3); // the three changed ids, not the 10,000 sessions
    const expected = [moved, ...bigSessions.filter((s) => s.id !== idOf(1) && s.id !== idOf(9999)), inserted].sort(byRecency);
    expect(read.result).toEqual(expected);
    expect(read.result[0]).toBe(moved);

    // An older Mirror, read after the newest: the family goes back two changes, no sort either.
    const back = watch(() => m1.sessions);
    expect(back.sorts).toBe(0);
    expect(back.result[0]).toBe(moved);
    expect(back.result).toHaveLength(N);
    expect(back.result.includes(inserted)).toBe(false);
    expect(m3.sessions).toBe(read.result); // cached per Mirror
  });

  it('sorts only the changed sessions after many changes, and everything after a bulk change', () => {
    const m0 = createMirror(bigSnapshot);
    void m0.sessions;

    // 100 changes between two reads: they are sorted among themselves and merged in.
    let m = m0;
    for (let i = 0; i < 100; i++) m = applyMirrorEvent(m, update(session(idOf(i * 50), 5000 + i, 'bumped')));
    const many = watch(() => m.sessions);
    expect(many.sorts).toBe(1);
    expect(Math.max(...many.sortedLengths)).toBe(100);
    expect(many.result.slice(0, 3).map((s) => s.id)).toEqual([idOf(99 * 50), idOf(98 * 50), idOf(97 * 50)]);
    expect(isSortedStrictly(many.result)).toBe(true);
    expect(many.result).toHaveLength(N);

    // A session.list that changes every session: one full sort.
    const bulk = applyMirrorEvent(m, list(bigSessions.map((s, i) => session(s.id, N - i, 'listed'))));
    const all = watch(() => bulk.sessions);
    expect(all.sorts).toBe(1);
    expect(all.sortedLengths).toEqual([N]);
    expect(all.result[0]!.id).toBe(idOf(0));
    expect(isSortedStrictly(all.result)).toBe(true);
  });

  it('copies the store once per epoch of 4n changes (O(1) a change on average), leaving old Mirrors theirs', () => {
    const m0 = createMirror(bigSnapshot);
    const run = watch(() => {
      let m = m0;
      for (let i = 0; i < 4 * N + 10; i++) m = applyMirrorEvent(m, update(session(idOf((i * 7) % N), 10_000 + i)));
      return m;
    });
    expect(run.sorts).toBe(0);
    expect(run.largestMapWalked).toBeLessThan(100);
    // One epoch ended: the old store kept copies of its two arrays of n; nothing else that long.
    expect(run.longArrayOps).toBe(2);
    const last = run.result;
    const lastUpdateOf7 = 4 * N + 1; // i * 7 ≡ 7 (mod N) for i ≡ 1
    expect(last.get(idOf(7))?.updated_at.getTime()).toBe(T0 + (10_000 + lastUpdateOf7) * 1000);
    expect(last.size).toBe(N);
    // The first Mirror still answers, from its own epoch.
    expect(m0.get(idOf(7))).toBe(bigSessions[7]);
    expect(m0.size).toBe(N);
    expect(ids(m0)[0]).toBe(idOf(N - 1));
    expect(last.get(idOf(7))?.updated_at.getTime()).toBe(T0 + (10_000 + lastUpdateOf7) * 1000);
  });

  it('builds the sessions array only when it is read, once per Mirror', () => {
    const m0 = createMirror(bigSnapshot);
    const applied = watch(() => {
      const next = applyMirrorEvent(m0, update(session(idOf(1), 99_999)));
      return applyMirrorEvent(next, update(session(idOf(2), 99_999)));
    });
    expect(applied.longestArray).toBeLessThanOrEqual(1);
    expect(applied.sorts).toBe(0);
    const next2 = applied.result;
    const read = watch(() => [next2.sessions, next2.sessions] as const);
    expect(read.sorts).toBe(1);
    expect(read.result[0]).toBe(read.result[1]);
    expect(ids(next2).slice(0, 2)).toEqual([idOf(1), idOf(2)]);
  });
});
