import { TestScheduler } from 'rxjs/testing';
import type { Session } from '../../src/codecs/payloads.js';
import type { KnownTopic, PayloadOf } from '../../src/codecs/topics.js';
import { SessionStore } from '../../src/testing/fake-instance/session-store.js';
import { TurnPlayer, type TurnResult } from '../../src/testing/fake-instance/turn-player.js';
import type { TurnScript } from '../../src/testing/index.js';

// The turn player's timing, in virtual time: inside `run`, its RxJS timers follow the
// TestScheduler's clock, and each event is recorded with the frame at which it was published.

interface Announced {
  readonly at: number;
  readonly topic: KnownTopic;
  readonly payload: unknown;
}

const SESSION: Session = { id: 's1', title: 'one', updated_at: new Date(0), message_count: 0 };

const script: TurnScript = () => ({
  reply: ['a ', 'b'],
  toolCalls: [{ name: 'bash', callId: 'c1', params: { cmd: 'ls' }, result: 'ok', afterToken: 1, durationMs: 50 }],
  tokensIn: 7,
});

/** Plays in virtual time: `act` starts turns (and schedules interrupts); returns what was announced and the results. */
const play = (full: boolean, act: (player: TurnPlayer, scheduler: TestScheduler) => Array<Promise<TurnResult>>) => {
  const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  const announced: Announced[] = [];
  const store = new SessionStore({ sessions: [SESSION], messages: {} });
  const publisher = {
    announce: <K extends KnownTopic>(topic: K, payload: PayloadOf<K>) => void announced.push({ at: scheduler.now(), topic, payload }),
  };
  const player = new TurnPlayer({ store, publisher, full, tokenIntervalMs: 10, script });
  let results: Array<Promise<TurnResult>> = [];
  scheduler.run(() => {
    results = act(player, scheduler);
  });
  return { announced, results: Promise.all(results), store, player };
};

const timeline = (announced: readonly Announced[]) => announced.map(({ at, topic }) => `${at} ${topic}`);

describe('TurnPlayer', () => {
  it('plays a turn step by step: tokens tokenIntervalMs apart, a tool call lasting its durationMs (full mode)', async () => {
    const { announced, results, store, player } = play(true, (p) => [p.start('s1', 'hello')]);
    expect(timeline(announced)).toEqual([
      '0 message.append',
      '0 session.update',
      '0 llm.start',
      '10 llm.token',
      '20 tool.start',
      '70 tool.end',
      '80 llm.token',
      '90 llm.end',
      '90 message.append',
      '90 session.update',
    ]);
    expect(announced.find((a) => a.topic === 'tool.end')!.payload).toEqual({
      session_id: 's1',
      tool_name: 'bash',
      call_id: 'c1',
      is_error: false,
      result: 'ok',
    });
    expect(announced.find((a) => a.topic === 'llm.end')!.payload).toEqual({ session_id: 's1', tokens_in: 7, tokens_out: 2 });
    expect(await results).toEqual([{ sessionId: 's1', content: 'hello', reply: 'a b', tokensOut: 2, outcome: 'completed' }]);
    expect(store.messages('s1').map((m) => [m.role, m.content])).toEqual([
      ['user', 'hello'],
      ['assistant', 'a b'],
    ]);
    expect(store.get('s1')!.message_count).toBe(2);
    expect(player.running()).toEqual([]);
  });

  it('publishes what Pando does in pando mode: no llm.start, no message.append, llm.end with 0 counts', async () => {
    const { announced, results } = play(false, (p) => [p.start('s1', 'hello')]);
    expect(timeline(announced)).toEqual([
      '0 session.update',
      '10 llm.token',
      '20 tool.start',
      '70 tool.end',
      '80 llm.token',
      '90 llm.end',
      '90 session.update',
    ]);
    expect(announced.find((a) => a.topic === 'llm.end')!.payload).toEqual({ session_id: 's1', tokens_in: 0, tokens_out: 0 });
    expect((await results)[0]!.outcome).toBe('completed');
  });

  it('interrupt ends the turn at once: the open tool call fails, llm.end, the partial reply stored; nothing after', async () => {
    const { announced, results } = play(true, (p, scheduler) => {
      const turn = p.start('s1', 'hello');
      scheduler.schedule(() => expect(p.interrupt('s1')).toBe(true), 30);
      scheduler.schedule(() => expect(p.interrupt('s1')).toBe(false), 40);
      return [turn];
    });
    expect(timeline(announced).slice(3)).toEqual([
      '10 llm.token',
      '20 tool.start',
      '30 tool.end',
      '30 llm.end',
      '30 message.append',
      '30 session.update',
    ]);
    expect(announced.find((a) => a.topic === 'tool.end')!.payload).toMatchObject({ is_error: true, result: 'context canceled' });
    expect(announced.find((a) => a.topic === 'llm.end')!.payload).toEqual({ session_id: 's1', tokens_in: 7, tokens_out: 1 });
    expect(await results).toEqual([{ sessionId: 's1', content: 'hello', reply: 'a ', tokensOut: 1, outcome: 'interrupted' }]);
  });

  it('stop aborts running turns without another event, and refuses new ones', async () => {
    let refused: unknown;
    const { announced, results } = play(true, (p, scheduler) => {
      const turn = p.start('s1', 'hello');
      scheduler.schedule(() => {
        p.stop();
        try {
          void p.start('s1', 'again');
        } catch (e) {
          refused = e;
        }
      }, 15);
      return [turn];
    });
    expect(timeline(announced)).toEqual(['0 message.append', '0 session.update', '0 llm.start', '10 llm.token']);
    expect((await results)[0]).toMatchObject({ outcome: 'aborted', reply: 'a ', tokensOut: 1 });
    expect(refused).toMatchObject({ name: 'FakeInstanceStoppedError' });
  });

  it('refuses, before publishing anything, an unknown session, a busy one and a script that throws', () => {
    const { announced } = play(true, (p) => {
      expect(() => p.start('nope', 'x')).toThrow('session not found: "nope"');
      const turn = p.start('s1', 'x');
      expect(() => p.start('s1', 'y')).toThrow('session is busy');
      p.stop();
      return [turn];
    });
    expect(announced).toEqual([]);
    const failing = new SessionStore({ sessions: [SESSION], messages: {} });
    const player = new TurnPlayer({
      store: failing,
      publisher: { announce: () => undefined },
      full: true,
      tokenIntervalMs: 10,
      script: () => {
        throw new Error('model overloaded');
      },
    });
    expect(() => player.start('s1', 'x')).toThrow('model overloaded');
    expect(player.running()).toEqual([]);
  });
});
