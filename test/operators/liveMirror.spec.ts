import { EMPTY, NEVER, Observable, Subject, map, mergeMap, of, take, throwError } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { Session } from '../../src/codecs/payloads';
import type { PandoEvent, ShutdownEvent } from '../../src/codecs/topics';
import { liveMirror, type LiveMirrorOptions, type MirrorSyncError } from '../../src/operators/liveMirror';
import type { Mirror, MirrorSnapshot } from '../../src/operators/mirrorState';
import type { InstanceSignal } from '../../src/operators/signals';

// ---------------------------------------------------------------------------------------------
// Builders

const T0 = Date.UTC(2026, 2, 1, 10, 0, 0);

/** A session saved `second` seconds after T0 with `count` messages. */
const session = (id: string, second: number, title = id, count = 1): Session => ({
  id,
  title,
  updated_at: new Date(T0 + second * 1000),
  message_count: count,
});

const envelope = { instanceId: 'inst-1', projectId: '', timestamp: new Date(T0) };
const event = (topic: string, payload: unknown): InstanceSignal =>
  ({ kind: 'event', event: { ...envelope, topic, payload } as PandoEvent }) as InstanceSignal;
const update = (s: Session): InstanceSignal => event('session.update', s);
const deleted = (s: Session): InstanceSignal => event('session.deleted', s);
const heartbeat = (active?: string): InstanceSignal =>
  event('instance.heartbeat', {
    instance_id: 'inst-1',
    ...(active === undefined ? {} : { active_session_id: active }),
    session_count: 0,
    uptime: { ms: 5000, text: '5s' },
    started_at: new Date(T0),
  });
const connected: InstanceSignal = { kind: 'connected' };
const disconnected: InstanceSignal = { kind: 'disconnected' };
const shutdown: InstanceSignal = {
  kind: 'shutdown',
  event: { ...envelope, topic: 'instance.shutdown', payload: { instance_id: 'inst-1' } } as ShutdownEvent,
};

const snapshot = (
  sessions: readonly Session[],
  options: { active?: string; source?: MirrorSnapshot['source']; at?: number } = {},
): MirrorSnapshot => ({
  instanceId: 'inst-1',
  sessions,
  ...(options.active === undefined ? {} : { activeSessionId: options.active }),
  source: options.source ?? 'state.sync',
  syncedAt: new Date(T0 + (options.at ?? 0)),
});

/** A mirror as one short string for marbles: `id:title,… | active`. */
const view = (mirror: Mirror): string =>
  `${mirror.sessions.map((s) => `${s.id}:${s.title}`).join(',')}|${mirror.activeSessionId ?? '-'}`;

const s1 = session('s1', 1);
const s2 = session('s2', 2);
const s3 = session('s3', 3);

const signals = { c: connected, x: disconnected, z: shutdown, h: heartbeat() };

describe('liveMirror', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  const mirrorOf = (options: Omit<LiveMirrorOptions, 'scheduler'>) => liveMirror({ ...options, scheduler: testScheduler });

  describe('the Clone pattern', () => {
    it('snapshots on connection, buffers what arrives meanwhile and emits a complete mirror first', () => {
      testScheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const e1 = hot('  -u-c-v-w---d---|', {
          ...signals,
          u: update(session('s9', 9)), // before the connection: the snapshot has it or not
          v: update(session('s2', 5, 'renamed')),
          w: update(s3),
          d: deleted(s1),
        });
        const snap = cold('    ----(s|)', { s: snapshot([s1, s2], { active: 's1' }) });
        const snapSubs = '---^---!';
        const expected = ' -------m---d---|';

        expectObservable(e1.pipe(mirrorOf({ snapshot: () => snap }), map(view))).toBe(expected, {
          m: 's2:renamed,s3:s3,s1:s1|s1',
          d: 's2:renamed,s3:s3|-',
        });
        expectSubscriptions(snap.subscriptions).toBe(snapSubs);
      });
    });

    it('never emits a partial mirror: nothing before the first snapshot, whatever arrives', () => {
      testScheduler.run(({ hot, expectObservable }) => {
        const e1 = hot('  -u-v-c-w-|', { ...signals, u: update(s1), v: update(s2), w: update(s3) });
        const expected = '---------|';
        expectObservable(e1.pipe(mirrorOf({ snapshot: () => NEVER }))).toBe(expected);
      });
    });

    it('keeps following live events while a new snapshot is in flight, then emits the one built on it', () => {
      testScheduler.run(({ hot, cold, expectObservable }) => {
        const e1 = hot('  -c--c-u----|', { ...signals, u: update(s3) });
        const snaps = [cold('-(a|)', { a: snapshot([s1]) }), cold('-----(b|)', { b: snapshot([s1, s2], { at: 1 }) })];
        let n = 0;
        const expected = '--a---u--b-|';
        expectObservable(e1.pipe(mirrorOf({ snapshot: () => snaps[n++]! }), map(view))).toBe(expected, {
          a: 's1:s1|-',
          u: 's3:s3,s1:s1|-',
          b: 's3:s3,s2:s2,s1:s1|-',
        });
      });
    });

    it('resyncs when the connection comes back, after a restart (shutdown, then any event) and on resync$', () => {
      testScheduler.run(({ hot, cold, expectObservable }) => {
        const e1 = hot('     -c-x-c--z-h---------|', signals);
        const resync$ = hot('------------r-------|');
        const results = [[s1], [s1, s2], [s3], [s3, s2]];
        let n = 0;
        const snap = () => cold('-(s|)', { s: snapshot(results[n]!, { at: n++ }) });
        const expected = '    --a---b----c-d------|';
        expectObservable(e1.pipe(mirrorOf({ snapshot: snap, resync$ }), map(view))).toBe(expected, {
          a: 's1:s1|-',
          b: 's2:s2,s1:s1|-',
          c: 's3:s3|-',
          d: 's3:s3,s2:s2|-',
        });
      });
    });

    it('ignores replayed history: it precedes the snapshot, and a replayed shutdown then event is no restart', () => {
      testScheduler.run(({ hot, cold, expectObservable }) => {
        const replayed = (signal: InstanceSignal): InstanceSignal => ({ ...signal, replayed: true }) as InstanceSignal;
        const e1 = hot('  -c-o-y-p-u---|', {
          ...signals,
          o: replayed(update(session('s1', 0, 'old'))),
          y: replayed(shutdown),
          p: replayed(deleted(s2)),
          u: update(s3),
        });
        let n = 0;
        const snap = () => cold('---(s|)', { s: snapshot([s1, s2], { at: n++ }) });
        const expected = '----a----u---|';
        expectObservable(e1.pipe(mirrorOf({ snapshot: snap }), map(view))).toBe(expected, {
          a: 's2:s2,s1:s1|-',
          u: 's3:s3,s2:s2,s1:s1|-',
        });
      });
    });

    it('does not resync on a shutdown alone, nor twice when the connection came back after it', () => {
      testScheduler.run(({ hot, cold, expectObservable }) => {
        const e1 = hot('  -c--z--x-c-h---|', signals);
        let n = 0;
        const snap = () => cold('-(s|)', { s: snapshot([session('s1', 1, `v${n}`)], { at: n++ }) });
        const expected = '--a-------b----|';
        expectObservable(e1.pipe(mirrorOf({ snapshot: snap }), map(view))).toBe(expected, {
          a: 's1:v0|-',
          b: 's1:v1|-',
        });
      });
    });

    it('emits a new Mirror (a new syncedAt) on every snapshot, sharing the sessions when nothing changed', () => {
      const mirrors: Mirror[] = [];
      testScheduler.run(({ hot, cold }) => {
        const e1 = hot('-c--c--|', signals);
        let n = 0;
        const snap = () => cold('-(s|)', { s: snapshot([s1, { ...s2 }], { at: n++ }) });
        e1.pipe(mirrorOf({ snapshot: snap })).subscribe((m) => mirrors.push(m));
      });
      expect(mirrors).toHaveLength(2);
      expect(mirrors[1]!.syncedAt).not.toEqual(mirrors[0]!.syncedAt);
      expect(mirrors[1]!.sessions).toBe(mirrors[0]!.sessions);
    });
  });

  describe('retry', () => {
    it('reports each failed snapshot with attempt and retryInMs and retries with exponential backoff', () => {
      const errors: MirrorSyncError[] = [];
      testScheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const e1 = hot('-c', signals);
        const fail = cold<MirrorSnapshot>('-#', undefined, new Error('database locked'));
        const succeed = cold('-(s|)', { s: snapshot([s1]) });
        const attempts = [fail, fail, fail, succeed];
        // Fails at 2, retried at 12; fails at 13, retried at 33; fails at 34, retried at 74 (40: the cap).
        expectObservable(
          e1.pipe(
            mirrorOf({ snapshot: () => attempts.shift()!, onSyncError: (e) => errors.push(e), retry: { initialDelayMs: 10, maxDelayMs: 40 } }),
            map(view),
          ),
          '^ 100ms !',
        ).toBe('75ms s', { s: 's1:s1|-' });
        expectSubscriptions(fail.subscriptions).toBe(['-^!', '12ms ^!', '33ms ^!']);
        expectSubscriptions(succeed.subscriptions).toBe('74ms ^!');
      });
      expect(errors.map((e) => [e.attempt, e.retryInMs, (e.error as Error).message])).toEqual([
        [1, 10, 'database locked'],
        [2, 20, 'database locked'],
        [3, 40, 'database locked'],
      ]);
    });

    it('keeps the last mirror following live events while a resync fails, and starts the count anew each time', () => {
      const errors: MirrorSyncError[] = [];
      testScheduler.run(({ hot, cold, expectObservable }) => {
        const e1 = hot('  -c--c--u--c-------|', { ...signals, u: update(s3) });
        const ok = cold('-(s|)', { s: snapshot([s1]) });
        const fail = cold<MirrorSnapshot>('-#', undefined, new Error('busy'));
        const attempts = [ok, fail, fail];
        const expected = '--a----u----------|';
        expectObservable(
          e1.pipe(
            mirrorOf({ snapshot: () => attempts.shift()!, onSyncError: (e) => errors.push(e), retry: { initialDelayMs: 100 } }),
            map(view),
          ),
        ).toBe(expected, { a: 's1:s1|-', u: 's3:s3,s1:s1|-' });
      });
      expect(errors.map((e) => [e.attempt, e.retryInMs])).toEqual([
        [1, 100],
        [1, 100],
      ]);
    });

    it('defaults to 500 ms doubling up to 30 s', () => {
      const delays: number[] = [];
      testScheduler.run(({ hot, expectObservable }) => {
        const e1 = hot('-c', signals);
        expectObservable(
          e1.pipe(liveMirror({ snapshot: () => throwError(() => new Error('no')), onSyncError: (e) => delays.push(e.retryInMs), scheduler: testScheduler })),
          '^ 120s !',
        ).toBe('');
      });
      expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    });
  });

  describe('what real Pando does', () => {
    it('ignores the late second copy of a save: no new Mirror, never backwards', () => {
      testScheduler.run(({ hot, cold, expectObservable }) => {
        const save1 = session('s1', 5, 'first', 2);
        const save2 = session('s1', 6, 'second', 3);
        const e1 = hot('  -c--u-v-w-x-|', { ...signals, u: update(save1), v: update(save2), w: update({ ...save1 }), x: update({ ...save2 }) });
        const expected = '--a-u-v-----|';
        expectObservable(e1.pipe(mirrorOf({ snapshot: () => cold('-(s|)', { s: snapshot([s1]) }) }), map(view))).toBe(expected, {
          a: 's1:s1|-',
          u: 's1:first|-',
          v: 's1:second|-',
        });
      });
    });

    it('ignores a buffered copy older than the snapshot', () => {
      testScheduler.run(({ hot, cold, expectObservable }) => {
        const e1 = hot('  -c-u---|', { ...signals, u: update(session('s1', 0, 'old', 0)) });
        const expected = '-----a-|';
        expectObservable(e1.pipe(mirrorOf({ snapshot: () => cold('----(s|)', { s: snapshot([s1]) }) }), map(view))).toBe(expected, {
          a: 's1:s1|-',
        });
      });
    });

    it('fills activeSessionId from the heartbeats when session.list is the source', () => {
      testScheduler.run(({ hot, cold, expectObservable }) => {
        const e1 = hot('  -c---h-i-j-|', { ...signals, h: heartbeat(), i: heartbeat('s2'), j: heartbeat('s2') });
        const snap = cold('-(s|)', { s: snapshot([s1, s2], { source: 'session.list' }) });
        const expected = '--a----i---|';
        expectObservable(e1.pipe(mirrorOf({ snapshot: () => snap }), map(view))).toBe(expected, {
          a: 's2:s2,s1:s1|-',
          i: 's2:s2,s1:s1|s2',
        });
      });
    });

    it('a session.list resync keeps the sessions it does not list, and the active session: no flicker', () => {
      const mirrors: Mirror[] = [];
      testScheduler.run(({ hot, cold }) => {
        const empty = session('new', 7, 'no messages yet', 0);
        const sub = session('sub', 8, 'a sub-agent', 4);
        const e1 = hot('-c-u-v-a-c---|', {
          ...signals,
          u: update(empty),
          v: update(sub),
          a: event('session.activated', empty),
        });
        let n = 0;
        // session.list omits sessions without messages and sub-agent sessions.
        const snap = () => cold('-(s|)', { s: snapshot([s1, s2], { source: 'session.list', at: n++ }) });
        e1.pipe(mirrorOf({ snapshot: snap })).subscribe((m) => mirrors.push(m));
      });
      const [, , , activated, resynced] = mirrors;
      expect(mirrors.map(view)).toEqual([
        's2:s2,s1:s1|-',
        'new:no messages yet,s2:s2,s1:s1|-',
        'sub:a sub-agent,new:no messages yet,s2:s2,s1:s1|-',
        'sub:a sub-agent,new:no messages yet,s2:s2,s1:s1|new',
        'sub:a sub-agent,new:no messages yet,s2:s2,s1:s1|new',
      ]);
      expect(resynced!.sessions).toBe(activated!.sessions);
      expect(resynced!.syncedAt).not.toEqual(activated!.syncedAt);
    });

    it('a state.sync resync is the whole set: a session it lacks is gone', () => {
      testScheduler.run(({ hot, cold, expectObservable }) => {
        const e1 = hot('  -c-u-c--|', { ...signals, u: update(s3) });
        let n = 0;
        const snap = () => cold('-(s|)', { s: snapshot([s1], { at: n++ }) });
        const expected = '--au--b-|';
        expectObservable(e1.pipe(mirrorOf({ snapshot: snap }), map(view))).toBe(expected, {
          a: 's1:s1|-',
          u: 's3:s3,s1:s1|-',
          b: 's1:s1|-',
        });
      });
    });

    it('asks confirmSession about each session a session.list resync lacks, and drops those that are gone', () => {
      testScheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const gone = session('gone', 3, 'deleted while away');
        const sub = session('sub', 4, 'sub-agent');
        const e1 = hot('  -c-c-------|');
        const first = cold('-(s|)', { s: snapshot([s1, gone, sub], { source: 'session.list' }) });
        const second = cold('-(s|)', { s: snapshot([s1], { source: 'session.list', at: 1 }) });
        const answers: Record<string, ReturnType<typeof cold<Session | undefined>>> = {
          gone: cold('--(n|)', { n: undefined }),
          sub: cold('---(s|)', { s: { ...sub } }),
        };
        const snaps: Observable<MirrorSnapshot>[] = [first, second];
        const expected = '--a-b-g----|';
        expectObservable(
          e1.pipe(
            map((k) => ({ c: connected })[k as 'c']),
            mirrorOf({ snapshot: () => snaps.shift()!, confirmSession: (id) => answers[id]! }),
            map(view),
          ),
        ).toBe(expected, {
          a: 'sub:sub-agent,gone:deleted while away,s1:s1|-',
          b: 'sub:sub-agent,gone:deleted while away,s1:s1|-',
          g: 'sub:sub-agent,s1:s1|-',
        });
        expectSubscriptions(answers.gone!.subscriptions).toBe('----^-!');
        expectSubscriptions(answers.sub!.subscriptions).toBe('----^--!');
      });
    });

    it('keeps a session when confirmSession fails, or when a newer copy arrived meanwhile', () => {
      testScheduler.run(({ hot, cold, expectObservable }) => {
        const a = session('a', 3);
        const b = session('b', 4);
        const e1 = hot('  -c-c--u----|', { ...signals, u: update(session('b', 9, 'saved again')) });
        const snaps = [
          cold('-(s|)', { s: snapshot([s1, a, b], { source: 'session.list' }) }),
          cold('-(s|)', { s: snapshot([s1], { source: 'session.list', at: 1 }) }),
        ];
        const answers: Record<string, Observable<Session | undefined>> = {
          a: cold('--#'),
          b: cold('----(n|)', { n: undefined }),
        };
        const expected = '--x-y-u----|';
        expectObservable(
          e1.pipe(mirrorOf({ snapshot: () => snaps.shift()!, confirmSession: (id) => answers[id]! }), map(view)),
        ).toBe(expected, {
          x: 'b:b,a:a,s1:s1|-',
          y: 'b:b,a:a,s1:s1|-',
          u: 'b:saved again,a:a,s1:s1|-',
        });
      });
    });
  });

  describe('RxJS guarantees', () => {
    const snap = () => of(snapshot([s1]));

    it('passes an error of the signals through and ends the snapshot in flight', () => {
      testScheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const e1 = hot('  -c---#', signals, new Error('socket'));
        const slow = cold('   ------(s|)', { s: snapshot([s1]) });
        const expected = '-----#';
        expectObservable(e1.pipe(mirrorOf({ snapshot: () => slow }))).toBe(expected, undefined, new Error('socket'));
        expectSubscriptions(slow.subscriptions).toBe('-^---!');
      });
    });

    it('completes when the signals complete, though resync$ and a snapshot are still open', () => {
      testScheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const e1 = hot('  -c---|', signals);
        const slow = cold('   ------(s|)', { s: snapshot([s1]) });
        const resync$ = hot('-------');
        expectObservable(e1.pipe(mirrorOf({ snapshot: () => slow, resync$ }))).toBe('-----|');
        expectSubscriptions(slow.subscriptions).toBe('-^---!');
        expectSubscriptions(resync$.subscriptions).toBe('^----!');
      });
    });

    it('completes on an empty source and never completes on a never source', () => {
      testScheduler.run(({ cold, expectObservable }) => {
        expectObservable(cold<InstanceSignal>('|').pipe(mirrorOf({ snapshot: snap }))).toBe('|');
        expectObservable(cold<InstanceSignal>('-').pipe(mirrorOf({ snapshot: snap }))).toBe('-');
        expectObservable(EMPTY.pipe(mirrorOf({ snapshot: snap, resync$: NEVER }))).toBe('|');
      });
    });

    it('unsubscribes from the signals, the snapshot in flight and a pending retry at once', () => {
      testScheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const e1 = hot('  -c-c-----|', signals);
        const slow = cold('------(s|)', { s: snapshot([s1]) });
        const fail = cold<MirrorSnapshot>('-#');
        const attempts = [fail, slow];
        const unsub = '   -------!';
        expectObservable(e1.pipe(mirrorOf({ snapshot: () => attempts.shift() ?? NEVER, retry: { initialDelayMs: 100 } })), unsub).toBe('-');
        expectSubscriptions(e1.subscriptions).toBe('^------!');
        expectSubscriptions(fail.subscriptions).toBe('-^!');
        expectSubscriptions(slow.subscriptions).toBe('---^---!');
      });
    });

    it('should stop listening to a synchronous observable when unsubscribed', () => {
      const sideEffects: number[] = [];
      const synchronous = new Observable<InstanceSignal>((subscriber) => {
        for (let i = 0; !subscriber.closed && i < 10; i++) {
          sideEffects.push(i);
          subscriber.next(i === 0 ? connected : update(session(`new${i}`, i)));
        }
      });
      synchronous.pipe(liveMirror({ snapshot: snap }), take(2)).subscribe();
      expect(sideEffects).toEqual([0, 1]);
    });

    it('should not break unsubscription chains', () => {
      testScheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const e1 = hot('  -c-u-v-w-|', { ...signals, u: update(s2), v: update(s3), w: update(session('s4', 4)) });
        const e1subs = '  ^-----!   ';
        const expected = '--au-v-   ';
        const unsub = '   ------!   ';
        const result = e1.pipe(
          mergeMap((x) => of(x)),
          mirrorOf({ snapshot: () => cold('-(s|)', { s: snapshot([s1]) }) }),
          map(view),
          mergeMap((x) => of(x)),
        );
        expectObservable(result, unsub).toBe(expected, { a: 's1:s1|-', u: 's2:s2,s1:s1|-', v: 's3:s3,s2:s2,s1:s1|-' });
        expectSubscriptions(e1.subscriptions).toBe(e1subs);
      });
    });

    it('errors, rather than throwing, on an event whose payload breaks its type', () => {
      testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const e1 = hot('  -c-b-u-|', { ...signals, b: event('session.update', null), u: update(s2) });
        const expected = '-a-#';
        expectObservable(e1.pipe(mirrorOf({ snapshot: snap }), map(view))).toBe(expected, { a: 's1:s1|-' }, expect.any(TypeError));
        expectSubscriptions(e1.subscriptions).toBe('^--!');
      });
    });

    it('errors when onSyncError throws', () => {
      testScheduler.run(({ hot, expectObservable }) => {
        const e1 = hot('  -c---|', signals);
        const boom = new Error('handler broke');
        expectObservable(
          e1.pipe(
            mirrorOf({
              snapshot: () => throwError(() => new Error('no')),
              onSyncError: () => {
                throw boom;
              },
            }),
          ),
        ).toBe('-#', undefined, boom);
      });
    });

    it('keeps state per subscription', () => {
      const seen: string[][] = [];
      const source = new Subject<InstanceSignal>();
      let n = 0;
      const mirror$ = source.pipe(liveMirror({ snapshot: () => of(snapshot([session(`s${n++}`, 1)])) }), map(view));
      mirror$.subscribe((v) => (seen[0] ??= []).push(v));
      source.next(connected);
      mirror$.subscribe((v) => (seen[1] ??= []).push(v));
      source.next(update(s3));
      source.next(connected);
      expect(seen).toEqual([
        ['s0:s0|-', 's3:s3,s0:s0|-', 's1:s1|-'],
        ['s2:s2|-'],
      ]);
    });
  });
});
