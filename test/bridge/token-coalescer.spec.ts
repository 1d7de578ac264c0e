import { decodeFrame, encodeFrame } from '../../src/codecs/frame';
import type { LlmTokenEvent, PandoEvent } from '../../src/codecs/topics';
import { TokenCoalescer } from '../../src/bridge/token-coalescer';

const token = (sessionId: string, text: string, at: string): Uint8Array =>
  encodeFrame({
    topic: 'llm.token',
    instanceId: 'i1',
    projectId: '',
    sessionId,
    timestamp: new Date(at),
    payload: { session_id: sessionId, token: text },
  } as LlmTokenEvent);

const decoded = (frame: Uint8Array): PandoEvent => {
  const result = decodeFrame(frame);
  if (result._tag === 'Left') throw result.left;
  return result.right;
};

describe('TokenCoalescer', () => {
  it('joins the text per session and keeps the LAST token’s timestamp, sessions in the order they came', () => {
    const tokens = new TokenCoalescer(1000);
    expect(tokens.add(token('a', 'Hel', '2026-03-01T10:00:00.000Z'))).toBe(true);
    expect(tokens.add(token('b', 'Yo', '2026-03-01T10:00:00.500Z'))).toBe(true);
    expect(tokens.add(token('a', 'lo', '2026-03-01T10:00:01.000Z'))).toBe(true);
    expect(tokens.add(token('a', '!', '2026-03-01T10:00:02.000Z'))).toBe(true);
    expect(tokens.coalesced).toBe(2);
    const flushed = tokens.flush().map(decoded) as LlmTokenEvent[];
    expect(flushed.map((e) => [e.payload.session_id, e.payload.token, e.timestamp.toISOString()])).toEqual([
      ['a', 'Hello!', '2026-03-01T10:00:02.000Z'],
      ['b', 'Yo', '2026-03-01T10:00:00.500Z'],
    ]);
    expect(tokens.isEmpty).toBe(true);
  });

  it('refuses what is not a token, and tokens past its character bound', () => {
    const tokens = new TokenCoalescer(4);
    expect(tokens.add(new TextEncoder().encode('llm.end\u0000{}'))).toBe(false);
    expect(tokens.add(token('a', 'abc', '2026-03-01T10:00:00Z'))).toBe(true);
    expect(tokens.add(token('a', 'de', '2026-03-01T10:00:01Z'))).toBe(false);
    expect((tokens.flush().map(decoded) as LlmTokenEvent[]).map((e) => e.payload.token)).toEqual(['abc']);
  });
});
