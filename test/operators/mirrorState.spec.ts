import * as fc from 'fast-check';
import BTree from 'sorted-btree';
import { from, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
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
// Structure sharing at 10,000 sessions (the timing itself belongs to the benchmark)

describe('applyMirrorEvent on 10,000 sessions', () => {
  type Node = { keys: unknown[]; children?: Node[] };
  const rootOf = (tree: unknown): Node => (tree as { _root: Node })._root;
  const leavesOf = (tree: unknown): Node[] => {
    const out: Node[] = [];
    const walk = (node: Node): void => (node.children ? node.children.forEach(walk) : void out.push(node));
    walk(rootOf(tree));
    return out;
  };
  const storeOf = (mirror: Mirror) =>
    (mirror as unknown as { store: { byId: BTree<string, Session>; order: BTree<unknown, Session> } }).store;

  const N = 10_000;
  // Three sessions per second, as Pando's whole-second times make ties common.
  const big = createMirror(snapshot(Array.from({ length: N }, (_, i) => session(`s${String(i).padStart(5, '0')}`, Math.floor(i / 3)))));

  // Methods that visit every entry of a tree: none may run for a one-session change.
  const wholeTreeMethods = [
    'valuesArray', 'keysArray', 'toArray', 'forEachPair', 'forEach', 'entries', 'entriesReversed',
    'keys', 'values', 'greedyClone', 'editAll', 'reduce', 'filter', 'mapValues', 'setPairs',
  ] as const;

  const spyAll = () => {
    const proto = BTree.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
    const spies = wholeTreeMethods.filter((m) => typeof proto[m] === 'function').map((m) => jest.spyOn(proto, m));
    const sort = jest.spyOn(Array.prototype, 'sort');
    const slice = jest.spyOn(Array.prototype, 'slice');
    return {
      calls: () => ({
        wholeTree: spies.reduce((n, s) => n + s.mock.calls.length, 0),
        sort: sort.mock.calls.length,
        // Node copies slice at most a node's worth of entries; a whole copy would slice N.
        longestSlice: Math.max(0, ...slice.mock.contexts.map((ctx) => (ctx as unknown[]).length)),
      }),
      restore: () => {
        spies.forEach((s) => s.mockRestore());
        sort.mockRestore();
        slice.mockRestore();
      },
    };
  };

  it.each([
    ['an update that moves a session to the top', update(session('s05000', 99_999, 'moved'))],
    ['an update in place (same second)', update(session('s05000', Math.floor(5000 / 3), 'renamed'))],
    ['an insert', update(session('new', 1234))],
    ['a delete', deleted(session('s05000', 0))],
    ['an activation', activated(session('s07777', 99_999))],
  ])('%s touches O(log n) nodes: no sort, no whole-tree walk, unchanged sessions and most nodes shared', (_, e) => {
    const oldSessions = big.sessions;
    const spies = spyAll();
    let next: Mirror;
    try {
      next = applyMirrorEvent(big, e);
    } finally {
      spies.restore();
    }
    const calls = spies.calls();
    expect(calls.sort).toBe(0);
    expect(calls.wholeTree).toBe(0);
    expect(calls.longestSlice).toBeLessThanOrEqual(256); // sorted-btree's largest node

    expect(next).not.toBe(big);
    // The old Mirror is unchanged, and the new one shares every other session object.
    expect(big.sessions).toBe(oldSessions);
    expect(big.sessions).toHaveLength(N);
    const changedId = (e.payload as Session).id;
    for (const s of next.sessions) if (s.id !== changedId) expect(s).toBe(big.get(s.id));

    // Structure sharing: all but a handful of leaves of each index are the old objects.
    for (const index of ['byId', 'order'] as const) {
      const oldLeaves = new Set(leavesOf(storeOf(big)[index]));
      const newLeaves = leavesOf(storeOf(next)[index]);
      const fresh = newLeaves.filter((leaf) => !oldLeaves.has(leaf));
      expect(newLeaves.length).toBeGreaterThan(50);
      expect(fresh.length).toBeLessThanOrEqual(8); // a path, plus siblings that a split or merge touches
    }
  });

  it('builds the sessions array only when it is read, once per Mirror', () => {
    const valuesArray = jest.spyOn(BTree.prototype, 'valuesArray');
    try {
      const next = applyMirrorEvent(big, update(session('s00001', 99_999)));
      const next2 = applyMirrorEvent(next, update(session('s00002', 99_999)));
      expect(valuesArray).not.toHaveBeenCalled();
      expect(ids(next2).slice(0, 2)).toEqual(['s00001', 's00002']);
      void next2.sessions;
      expect(valuesArray).toHaveBeenCalledTimes(1);
    } finally {
      valuesArray.mockRestore();
    }
  });
});
