import { config } from 'rxjs';
import { encodeFrame, FrameDecodeError } from '../../src/codecs/frame.js';
import { decodeFrames } from '../../src/operators/decodeFrames.js';
import { heartbeat, llmEnd, testScheduler, token, unknownEvent } from './helpers.js';

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

  it('survives a throwing onError and logs the throw with console.error', () => {
    const log = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const e1 = cold(' -x-a-j-b-|', frames);
        const e1subs = '  ^--------!';
        const expected = '---A---B-|';

        expectObservable(
          e1.pipe(
            decodeFrames(() => {
              throw new Error('callback bug');
            }),
          ),
        ).toBe(expected, events);
        expectSubscriptions(e1.subscriptions).toBe(e1subs);
      });
      expect(log).toHaveBeenCalledTimes(2);
      expect(log.mock.calls[0]![1]).toEqual(new Error('callback bug'));
    } finally {
      log.mockRestore();
    }
  });

  it("hands a throwing onError's error to config.onUnhandledError when set", () => {
    const unhandled: unknown[] = [];
    const saved = config.onUnhandledError;
    config.onUnhandledError = (err) => unhandled.push(err);
    try {
      ts.run(({ cold, expectObservable }) => {
        const e1 = cold(' -x-a-|', frames);
        const expected = '---A-|';

        expectObservable(
          e1.pipe(
            decodeFrames((error) => {
              throw error;
            }),
          ),
        ).toBe(expected, events);
      });
      expect(unhandled).toHaveLength(1);
      expect(unhandled[0]).toBeInstanceOf(FrameDecodeError);
    } finally {
      config.onUnhandledError = saved;
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
});
