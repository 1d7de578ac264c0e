import type { PandoEvent } from '../../src/codecs/topics.js';
import { sessionIdOf } from '../../src/operators/sessionIdOf.js';
import * as root from '../../src/index.js';
import { event, heartbeat, sessionUpdate, token, unknownEvent } from './helpers.js';

describe('sessionIdOf', () => {
  it('is public API, from the package root', () => {
    expect(root.sessionIdOf).toBe(sessionIdOf);
  });

  it("takes the envelope's sessionId first", () => {
    expect(sessionIdOf(token('A', 'x'))).toBe('A');
    expect(sessionIdOf(token('A', 'x', { placement: 'envelope' }))).toBe('A');
    expect(sessionIdOf(unknownEvent('future.thing', { session_id: 'B' }, 'A'))).toBe('A');
  });

  it("falls back to the payload's session_id when the envelope has none or ''", () => {
    expect(sessionIdOf(token('B', 'x', { placement: 'payload' }))).toBe('B');
    expect(sessionIdOf({ ...token('B', 'x'), sessionId: '' })).toBe('B');
    expect(sessionIdOf(unknownEvent('future.thing', { session_id: 'B' }))).toBe('B');
  });

  it("names the session by the payload's id for the topics whose payload is the session", () => {
    expect(sessionIdOf(sessionUpdate('S', { placement: 'payload' }))).toBe('S');
    const session = { id: 'S', title: 't', updated_at: new Date(0), message_count: 0 };
    expect(sessionIdOf(event('session.activated', session))).toBe('S');
    expect(sessionIdOf(event('session.deleted', session))).toBe('S');
    // other topics' payload id is not a session id
    expect(sessionIdOf(unknownEvent('future.thing', { id: 'S' }))).toBeUndefined();
  });

  it('returns undefined for instance-wide events and for empty or non-string ids', () => {
    expect(sessionIdOf(heartbeat())).toBeUndefined();
    expect(sessionIdOf(event('session.list', { sessions: [] }))).toBeUndefined();
    expect(sessionIdOf(unknownEvent('future.thing', null))).toBeUndefined();
    expect(sessionIdOf(unknownEvent('future.thing', 'text'))).toBeUndefined();
    expect(sessionIdOf(unknownEvent('future.thing', { session_id: '' }))).toBeUndefined();
    expect(sessionIdOf(unknownEvent('future.thing', { session_id: 42 }))).toBeUndefined();
    // a payload that has session_id decides, even when it names no session
    expect(sessionIdOf(unknownEvent('session.update', { session_id: '', id: 'S' }))).toBeUndefined();
  });

  it('reads nothing of the payload when the envelope names the session (it runs per event)', () => {
    const untouchable = new Proxy(
      {},
      {
        get: () => {
          throw new Error('payload read');
        },
        has: () => {
          throw new Error('payload read');
        },
      },
    );
    const e = { ...token('A', 'x'), payload: untouchable } as unknown as PandoEvent;
    expect(sessionIdOf(e)).toBe('A');
  });
});
