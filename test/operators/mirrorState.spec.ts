import * as fc from 'fast-check';
import { from, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Session } from '../../src/codecs/payloads';
import type { PandoEvent } from '../../src/codecs/topics';
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
const heartbeat = (activeSessionId?: string): PandoEvent =>
  event('instance.heartbeat', {
    instance_id: 'inst-1',
    ...(activeSessionId === undefined ? {} : { active_session_id: activeSessionId }),
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

  it('session.update never moves a session back: an older copy changes nothing; ties sort by id', () => {
    expect(applyMirrorEvent(base, update(session('c', 2)))).toBe(base); // an older copy
    const next = applyMirrorEvent(base, update(session('a', 3)));
    expect(ids(next)).toEqual(['a', 'c', 'b']);
    const next2 = applyMirrorEvent(next, update(session('b', 3)));
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

/** Whether `copy` is older than `held`: `updated_at`, then `message_count` (the documented rule). */
const older = (copy: Session, held: Session): boolean =>
  copy.updated_at.getTime() !== held.updated_at.getTime()
    ? copy.updated_at.getTime() < held.updated_at.getTime()
    : copy.message_count < held.message_count;

/** How many deleted sessions the mirror remembers (the oldest deletion is forgotten first). */
const GRAVES = 256;

/** The obvious implementation: a Map, the deleted ids, and a full sort. */
class NaiveModel {
  readonly byId = new Map<string, Session>();
  readonly graves = new Map<string, Session>();
  active: string | undefined;

  constructor(snap: MirrorSnapshot) {
    for (const s of snap.sessions) this.byId.set(s.id, s);
    this.active = snap.activeSessionId;
  }

  /** Upserts `s` unless the mirror holds a newer copy or deleted a copy not older; whether it did. */
  private upsert(s: Session): 'stale' | 'kept' | 'set' {
    const held = this.byId.get(s.id);
    if (held === undefined) {
      const grave = this.graves.get(s.id);
      if (grave !== undefined && !older(grave, s)) return 'stale';
      this.graves.delete(s.id);
      this.byId.set(s.id, s);
      return 'set';
    }
    if (older(s, held)) return 'kept';
    this.byId.set(s.id, s);
    return 'set';
  }

  apply(e: PandoEvent): void {
    const payload = e.payload as Session & { sessions: Session[]; active_session_id?: string };
    switch (e.topic) {
      case 'session.update':
        this.upsert(payload);
        break;
      case 'session.activated':
        if (this.upsert(payload) !== 'stale') this.active = payload.id;
        break;
      case 'session.deleted': {
        const held = this.byId.get(payload.id);
        if (held !== undefined) {
          this.graves.delete(payload.id);
          this.graves.set(payload.id, older(payload, held) ? held : payload);
          if (this.graves.size > GRAVES) this.graves.delete(this.graves.keys().next().value!);
        }
        this.byId.delete(payload.id);
        if (this.active === payload.id) this.active = undefined;
        break;
      }
      case 'session.list': {
        const next = new Map<string, Session>();
        for (const s of payload.sessions) {
          const held = this.byId.get(s.id);
          next.set(s.id, held !== undefined && older(s, held) ? held : s);
        }
        this.byId.clear();
        for (const [id, s] of next) this.byId.set(id, s);
        if (this.active !== undefined && !this.byId.has(this.active)) this.active = undefined;
        break;
      }
      case 'instance.heartbeat':
        if (payload.active_session_id) this.active = payload.active_session_id;
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
  { weight: 1, arbitrary: fc.option(arbId, { nil: undefined }).map(heartbeat) },
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
        // The saves of each session, each a whole session, newer than the one before (times
        // repeat, whole seconds; the message count grows) and than the initial sessions.
        const queues = Object.entries(perSession).map(([id, seeds]) =>
          [...seeds].sort((x, y) => x - y).map((seed, n) => session(id, 10 + Math.floor(seed / 300), `v${n}-${seed}`, n)),
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
    readonly graves: ReadonlyMap<string, Session> = new Map(),
  ) {}

  static of(snap: MirrorSnapshot): Model {
    return new Model(new Map(snap.sessions.map((s) => [s.id, s] as const)), snap.activeSessionId);
  }

  /** The state after `e`; this one is unchanged. */
  apply(e: PandoEvent): Model {
    /** What the mirror holds for `s.id` after `s`: the held copy when `s` is older or the same. */
    const keep = (s: Session): Session => {
      const old = this.byId.get(s.id);
      return old !== undefined && (older(s, old) || sameSession(old, s)) ? old : s;
    };
    const payload = e.payload as Session & { sessions: Session[]; active_session_id?: string };
    const byId = new Map(this.byId);
    const graves = new Map(this.graves);
    const upsert = (s: Session): boolean => {
      if (!byId.has(s.id)) {
        const grave = graves.get(s.id);
        if (grave !== undefined && !older(grave, s)) return false;
        graves.delete(s.id);
      }
      byId.set(s.id, keep(s));
      return true;
    };
    switch (e.topic) {
      case 'session.update':
        upsert(payload);
        return new Model(byId, this.active, graves);
      case 'session.activated':
        return upsert(payload) ? new Model(byId, payload.id, graves) : this;
      case 'session.deleted': {
        const held = byId.get(payload.id);
        if (held !== undefined) {
          graves.delete(payload.id);
          graves.set(payload.id, older(payload, held) ? held : payload);
          if (graves.size > GRAVES) graves.delete(graves.keys().next().value!);
        }
        byId.delete(payload.id);
        return new Model(byId, this.active === payload.id ? undefined : this.active, graves);
      }
      case 'session.list': {
        const next = new Map(payload.sessions.map((s) => [s.id, s] as const));
        for (const [id, s] of next) next.set(id, keep(s));
        return new Model(next, this.active !== undefined && next.has(this.active) ? this.active : undefined, graves);
      }
      case 'instance.heartbeat':
        return payload.active_session_id ? new Model(byId, payload.active_session_id, graves) : this;
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
    { weight: 1, arbitrary: fc.option(id, { nil: undefined }).map(heartbeat) },
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
    // Many events to the newest, kept as one Mirror.
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
          // At the end, every Mirror in a random order, every aspect.
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

  it('sessions, read after batches of any size (a few, many, a bulk, ids that come and go), is the full sort of the model', () => {
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
      fc.array(arbStep, { maxLength: 8 }), // a few
      fc.array(arbStep, { minLength: 9, maxLength: 30 }), // many
      fc.array(arbSession(kept), { maxLength: 40 }).map((sessions) => [[list(sessions)]]), // a bulk change
      // More ids come and go than the mirror holds.
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
            // Sometimes an older Mirror first.
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

  it('a Mirror kept while the stream goes on does not retain the sessions that came after it', async () => {
    // Each Mirror holds its own sessions and index, and nothing that came after it.
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
// What real Pando publishes (PROTOCOL.md, "What real Pando publishes around sessions and turns")

describe('applyMirrorEvent and the copies real Pando publishes', () => {
  const a1 = session('a', 1, 'a', 1);
  const b2 = session('b', 2, 'b', 1);
  const base = createMirror(snapshot([a1, b2]));

  it('ignores a late second copy of a save: the mirror never goes backwards and emits nothing', () => {
    const save1 = session('a', 5, 'a', 2);
    const save2 = session('a', 6, 'a', 3);
    const m1 = applyMirrorEvent(base, update(save1));
    const m2 = applyMirrorEvent(m1, update(save2));
    expect(applyMirrorEvent(m2, update({ ...save1 }))).toBe(m2); // the relay's copy of save 1, late
    expect(applyMirrorEvent(m2, update({ ...save2 }))).toBe(m2); // the relay's copy of save 2
    expect(m2.get('a')).toBe(save2);
  });

  it('orders copies of the same second by message_count', () => {
    const first = session('a', 5, 'a', 2);
    const second = session('a', 5, 'a', 3);
    const m = applyMirrorEvent(applyMirrorEvent(base, update(first)), update(second));
    expect(applyMirrorEvent(m, update({ ...first }))).toBe(m);
    expect(m.get('a')).toBe(second);
  });

  it('takes a copy with the same second and count that differs (a rename within the second)', () => {
    const renamed = session('a', 1, 'renamed', 1);
    expect(applyMirrorEvent(base, update(renamed)).get('a')).toBe(renamed);
  });

  it('keeps a deleted session deleted when a late copy of its last save arrives', () => {
    const last = session('a', 5, 'a', 2);
    const m = applyMirrorEvent(applyMirrorEvent(base, update(last)), deleted(last));
    expect(applyMirrorEvent(m, update({ ...last }))).toBe(m);
    expect(applyMirrorEvent(m, activated({ ...last }))).toBe(m);
    // A save after the deletion (a newer copy) is a real session again.
    const reborn = session('a', 9, 'a', 3);
    expect(applyMirrorEvent(m, update(reborn)).get('a')).toBe(reborn);
  });

  it('fills and follows activeSessionId from the heartbeats', () => {
    const m = applyMirrorEvent(base, heartbeat('b'));
    expect(m.activeSessionId).toBe('b');
    expect(applyMirrorEvent(m, heartbeat('b'))).toBe(m);
    expect(applyMirrorEvent(m, heartbeat())).toBe(m); // no active_session_id: says nothing
    expect(applyMirrorEvent(m, heartbeat('a')).activeSessionId).toBe('a');
    expect(m.sessions).toBe(base.sessions);
  });

  it('converges to the last save of each session when every save comes twice, the second copies late', () => {
    const arbRun = fc
      .record({
        saves: fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.nat({ max: 2 }), fc.boolean()), { minLength: 1, maxLength: 30 }),
        // How far behind the direct copies the relay's copies are, step by step.
        lags: fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }),
      })
      .map(({ saves, lags }) => {
        // Each save is newer than the one before of its session: a later second, or the same
        // second with one more message.
        const last = new Map<string, Session>();
        const direct = saves.map(([id, seconds, moreMessages], n) => {
          const before = last.get(id) ?? session(id, 0, id, 0);
          const t = before.updated_at.getTime() + seconds * 1000;
          const count = before.message_count + (moreMessages || seconds === 0 ? 1 : 0);
          const s: Session = { id, title: `v${n}`, updated_at: new Date(t), message_count: count };
          last.set(id, s);
          return s;
        });
        // The direct copies in order, the relay's copies in order, each after its direct copy.
        const stream: { s: Session; copy: boolean }[] = [];
        let d = 0;
        let r = 0;
        let step = 0;
        while (r < direct.length) {
          const relay = r < d && (d === direct.length || lags[step++ % lags.length]!);
          if (relay) stream.push({ s: { ...direct[r++]! }, copy: true });
          else stream.push({ s: direct[d++]!, copy: false });
        }
        return { stream, last };
      });
    fc.assert(
      fc.property(arbRun, ({ stream, last }) => {
        let mirror = createMirror(snapshot([]));
        for (const { s, copy } of stream) {
          const before = mirror.get(s.id);
          const next = applyMirrorEvent(mirror, update(s));
          if (copy) expect(next).toBe(mirror); // its direct copy, or a newer save, came first
          if (before !== undefined) expect(older(next.get(s.id)!, before)).toBe(false); // never backwards
          mirror = next;
        }
        for (const [id, s] of last) expect(mirror.get(id)).toBe(s);
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// What a Mirror is made of

/** Every object reachable from `value` through own properties, but the sessions and Dates. */
const reachable = (value: object, sessions: ReadonlySet<unknown>): object[] => {
  const seen = new Set<object>();
  const walk = (v: unknown): void => {
    if (typeof v !== 'object' || v === null || seen.has(v) || sessions.has(v) || v instanceof Date) return;
    seen.add(v);
    for (const key of Reflect.ownKeys(v)) walk((v as Record<PropertyKey, unknown>)[key]);
  };
  walk(value);
  return [...seen];
};

describe('a Mirror is an immutable value', () => {
  it('is frozen all the way down: nothing in it can be written, so reading it changes nothing', () => {
    fc.assert(
      fc.property(arbSnapshot, fc.array(arbEvent, { maxLength: 30 }), (snap, events) => {
        const mirrors = [createMirror(snap)];
        for (const e of events) mirrors.push(applyMirrorEvent(mirrors[mirrors.length - 1]!, e));
        // The sessions themselves are the caller's objects, as given (snapshot and events).
        const payloads = events.flatMap((e) => [e.payload, ...((e.payload as { sessions?: Session[] } | null)?.sessions ?? [])]);
        const sessions = new Set<unknown>([...snap.sessions, ...payloads]);
        for (const m of mirrors) {
          for (const part of reachable(m, sessions)) expect(Object.isFrozen(part)).toBe(true);
        }
      }),
    );
  });

  it('reading an old Mirror leaves every Mirror as it was (nothing shared is written)', () => {
    const snap = snapshot(Array.from({ length: 50 }, (_, i) => session(`s${i}`, i)));
    const mirrors = [createMirror(snap)];
    for (let i = 0; i < 200; i++) {
      const e = i % 5 === 4 ? deleted(session(`s${(i * 7) % 60}`, 0)) : update(session(`s${(i * 3) % 60}`, 100 + i, `v${i}`));
      mirrors.push(applyMirrorEvent(mirrors[mirrors.length - 1]!, e));
    }
    const before = mirrors.map((m) => JSON.stringify({ m, all: m.sessions.map((s) => m.get(s.id)) }));
    for (let i = 0; i < mirrors.length; i += 3) for (let id = 0; id < 60; id++) mirrors[i]!.get(`s${id}`);
    expect(mirrors.map((m) => JSON.stringify({ m, all: m.sessions.map((s) => m.get(s.id)) }))).toEqual(before);
  });
});

describe('applyMirrorEvent on 10,000 sessions', () => {
  const N = 10_000;
  const idOf = (i: number): string => `s${String(i).padStart(5, '0')}`;
  // Three sessions per second, as Pando's whole-second times make ties common.
  const bigSessions = Array.from({ length: N }, (_, i) => session(idOf(i), Math.floor(i / 3)));
  const big = createMirror(snapshot(bigSessions, idOf(0)));

  /** Runs `f`, counting the sorts, and the lengths of the arrays copied or spliced. */
  const watch = <T>(f: () => T) => {
    const sort = jest.spyOn(Array.prototype, 'sort');
    const slice = jest.spyOn(Array.prototype, 'slice');
    const splice = jest.spyOn(Array.prototype, 'splice');
    let result: T;
    const records: { contexts: unknown[] }[] = [];
    try {
      result = f();
    } finally {
      for (const spy of [sort, slice, splice]) records.push(spy.mock);
      for (const spy of [sort, slice, splice]) spy.mockRestore();
    }
    const long = (r: { contexts: unknown[] }): number => r.contexts.filter((c) => (c as unknown[]).length >= 1000).length;
    return { result, sorts: records[0]!.contexts.length, longSlices: long(records[1]!), longSplices: long(records[2]!) };
  };

  it.each([
    ['moves a session to the top', update(session(idOf(5000), 9999, 'moved', 1))],
    ['changes a session in place (same second)', update(session(idOf(5000), Math.floor(5000 / 3), 'renamed'))],
    ['inserts a session', update(session('new', 1234))],
    ['deletes a session', deleted(bigSessions[5000]!)],
    ['activates a session', activated(bigSessions[42]!)],
  ])('%s with no sort: one copy of the array, and every other session shared', (_, e) => {
    const { result: next, sorts, longSlices, longSplices } = watch(() => applyMirrorEvent(big, e));
    expect(sorts).toBe(0);
    expect(longSlices).toBeLessThanOrEqual(1);
    expect(longSplices).toBeLessThanOrEqual(2);
    expect(next).not.toBe(big);
    expect(isSortedStrictly(next.sessions)).toBe(true);
    const changed = (e.payload as Session).id;
    for (let i = 0; i < N; i += 97) if (idOf(i) !== changed) expect(next.get(idOf(i))).toBe(bigSessions[i]);
    expect(big.size).toBe(N);
    expect(big.get(idOf(5000))).toBe(bigSessions[5000]);
    expect(big.get('new')).toBeUndefined();
  });
});
