import { config } from 'rxjs';
import { encodeFrame, FrameDecodeError } from '../../src/codecs/frame.js';
import { decodeFrames } from '../../src/operators/decodeFrames.js';
import { heartbeat, inChain, llmEnd, pullThrough, testScheduler, token, unknownEvent } from './helpers.js';

const utf8 = new TextEncoder();

describe('decodeFrames', () => {
  let ts: ReturnType<typeof testScheduler>;
  beforeEach(() => {
    ts = testScheduler();
  });

  const events = {
    A: token('s1', 'Hel', { t: 1 }),
    B: token('s2', 'lo', { t: 2 }),
    E: llmEnd('s1', { t: 3, tokensIn: 10, tokensOut: 2 }),
    H: heartbeat(4),
    U: unknownEvent('future.topic', { anything: [1, 2] }, 's1'),
  };
  const frames = {
    a: encodeFrame(events.A),
    b: encodeFrame(events.B),
    e: encodeFrame(events.E),
    h: encodeFrame(events.H),
    u: encodeFrame(events.U),
    x: utf8.encode('no separator here'),
    j: utf8.encode('llm.token\u0000{not json'),
    p: utf8.encode(
      'llm.token\u0000{"instanceId":"i","projectId":"","topic":"llm.token","timestamp":"2026-03-01T10:20:30Z","payload":{"session_id":42}}',
    ),
  };

  it('decodes good frames, unknown topics included', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' -a-b-e-h-u-|', frames);
      const e1subs = '  ^----------!';
      const expected = '-A-B-E-H-U-|';

      expectObservable(e1.pipe(decodeFrames())).toBe(expected, events);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('reports bad frames to onError and skips them', () => {
    const reported: Array<[string, string | undefined, Uint8Array]> = [];
    ts.run(({ cold, expectObservable }) => {
      const e1 = cold(' -a-x-j-p-b-|', frames);
      const expected = '-A-------B-|';

      expectObservable(
        e1.pipe(decodeFrames((error, frame) => reported.push([error.stage, error.path, frame]))),
      ).toBe(expected, events);
    });
    expect(reported).toEqual([
      ['separator', undefined, frames.x],
      ['json', undefined, frames.j],
      ['payload', 'payload.session_id', frames.p],
    ]);
  });

  it('skips bad frames silently without onError', () => {
    ts.run(({ cold, expectObservable }) => {
      const e1 = cold(' -x-a-p-|', frames);
      const expected = '---A---|';

      expectObservable(e1.pipe(decodeFrames())).toBe(expected, events);
    });
  });

  it('errors the result with what a throwing onError threw, and unsubscribes from the frames', () => {
    const bug = new Error('callback bug');
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' -a-x-b-|', frames);
      const e1subs = '  ^--!    ';
      const expected = '-A-#    ';

      expectObservable(
        e1.pipe(
          decodeFrames(() => {
            throw bug;
          }),
        ),
      ).toBe(expected, events, bug);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it("never hands a throwing onError's error to config.onUnhandledError or the console", () => {
    const unhandled: unknown[] = [];
    const saved = config.onUnhandledError;
    config.onUnhandledError = (err) => unhandled.push(err);
    const log = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const errors: unknown[] = [];
    try {
      ts.run(({ cold, flush }) => {
        cold(' -x-a-|', frames)
          .pipe(
            decodeFrames((error) => {
              throw error;
            }),
          )
          .subscribe({ error: (err: unknown) => errors.push(err) });
        flush();
      });
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(FrameDecodeError);
      expect(unhandled).toEqual([]);
      expect(log).not.toHaveBeenCalled();
    } finally {
      config.onUnhandledError = saved;
      log.mockRestore();
    }
  });

  it('decodes interleaved sessions independently', () => {
    ts.run(({ hot, expectObservable }) => {
      const e1 = hot('  -a-b-a-b-|', frames);
      const expected = '-A-B-A-B-|';

      expectObservable(e1.pipe(decodeFrames())).toBe(expected, events);
    });
  });

  it('completes with an empty source', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold<Uint8Array>(' |');
      const e1subs = '  (^!)';
      const expected = '|';

      expectObservable(e1.pipe(decodeFrames())).toBe(expected);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('never emits with a source that never emits', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold<Uint8Array>(' -');
      const e1subs = '  ^';
      const expected = '-';

      expectObservable(e1.pipe(decodeFrames())).toBe(expected);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('passes the source error through', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' -a-x-#', frames, new Error('socket closed'));
      const e1subs = '  ^----!';
      const expected = '-A---#';

      expectObservable(e1.pipe(decodeFrames())).toBe(expected, events, new Error('socket closed'));
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('unsubscribes from the source early', () => {
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('  -a-b-e-h-|', frames);
      const unsub = '   ----!     ';
      const e1subs = '  ^---!     ';
      const expected = '-A-B-     ';

      expectObservable(e1.pipe(decodeFrames()), unsub).toBe(expected, events);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('stops listening to a synchronous source when unsubscribed', () => {
    const many = Array.from({ length: 10 }, (_, i) => encodeFrame(token('s1', `t${i}`)));
    const { pulled, emitted } = pullThrough(many, decodeFrames(), 2);

    expect(emitted).toEqual(many.slice(0, 2).map((_, i) => token('s1', `t${i}`)));
    expect(pulled).toHaveLength(2);
  });

  it('does not break unsubscription chains when unsubscribed explicitly', () => {
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('  -a-^-a-x-b-e-h-|', frames);
      const e1subs = '     ^-------!    ';
      const expected = '   --A---B-     ';
      const unsub = '      --------!    ';

      expectObservable(e1.pipe(inChain(decodeFrames())), unsub).toBe(expected, events);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });
});
