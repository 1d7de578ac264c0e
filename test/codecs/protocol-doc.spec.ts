import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { decodeFrame, encodeFrame } from '../../src/codecs/frame.js';
import { decodeResponse } from '../../src/codecs/rpc.js';
import { RpcTimeoutError } from '../../src/observables/rpc-errors.js';
import { buildRequest, decodeResult } from '../../src/observables/rpc-request.js';
import { formatGoDuration } from '../../src/codecs/values.js';
import type { PandoEvent } from '../../src/codecs/topics.js';

/** docs/protocol.md quotes frames and messages; these checks keep the quotes true. */
const doc = readFileSync(join(__dirname, '../../docs/protocol.md'), 'utf8');
const utf8 = new TextEncoder();

const messageOf = (frame: Uint8Array): string => {
  const result = decodeFrame(frame);
  if (isRight(result)) throw new Error('expected a failure');
  return result.left.message;
};

describe('docs/protocol.md', () => {
  const event: PandoEvent = {
    topic: 'llm.token',
    instanceId: 'a1',
    projectId: '',
    sessionId: 's1',
    timestamp: new Date('2026-03-01T10:20:30.500Z'),
    payload: { session_id: 's1', token: 'Hi' },
  };
  const frameText =
    'llm.token\\0{"instanceId":"a1","projectId":"","sessionId":"s1","topic":"llm.token","timestamp":"2026-03-01T10:20:30.5Z","payload":{"session_id":"s1","token":"Hi"}}';

  it('shows the frame that encodeFrame writes for its example event, with the right length and hex', () => {
    expect(doc).toContain(frameText);
    const frame = encodeFrame(event);
    expect(new TextDecoder().decode(frame)).toBe(frameText.replace('\\0', '\u0000'));
    expect(doc).toContain(`${frame.length} bytes long`);
    expect(doc).toContain('the 161-byte frame of section 1');
    expect(frame.length).toBe(161);
    const hex = Array.from(frame.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join('');
    expect(doc).toContain(`00000000: ${hex.match(/.{4}/g)!.join(' ')}  llm.token.{"inst`);
  });

  it('quotes the failure messages that decodeFrame produces', () => {
    const envelope = (topic: string, extra: Record<string, unknown> = {}): string =>
      JSON.stringify({ instanceId: 'i', projectId: '', topic, timestamp: '2026-03-01T10:20:30Z', payload: { session_id: 's', token: 't' }, ...extra });
    const frames = [
      utf8.encode('llm.token'),
      Uint8Array.from([0xff, 0, 0x7b, 0x7d]),
      Uint8Array.from([...utf8.encode('llm.token'), 0, 0xff]),
      utf8.encode(`llm.token\u0000${JSON.stringify({ projectId: '', topic: 'llm.token', timestamp: '2026-03-01T10:20:30Z', payload: {} })}`),
      utf8.encode(`llm.token\u0000${envelope('llm.end')}`),
      utf8.encode(`llm.token\u0000${envelope('llm.token', { payload: { session_id: 42, token: 't' } })}`),
      utf8.encode(`llm.token\u0000${envelope('llm.token').replace('{"session_id":"s","token":"t"}', `${'['.repeat(600)}${']'.repeat(600)}`)}`),
    ];
    for (const frame of frames) expect(doc).toContain(`| \`${messageOf(frame)}\` |`);
    // The examples of payload messages, each with the stage and detail that decodeFrame gives.
    const payloadMessage = (topic: string, payload: string): string =>
      messageOf(utf8.encode(`${topic}\u0000${envelope(topic).replace('{"session_id":"s","token":"t"}', payload)}`)).replace(`cannot decode "${topic}" frame: `, '');
    expect(doc).toContain(`\n${payloadMessage('llm.end', '{"session_id":"s","tokens_in":1e400,"tokens_out":0}')}\n`);
    expect(doc).toContain(`\n${payloadMessage('session.list', '{"sessions":[{},{}]}')}\n`);
    const list = decodeFrame(utf8.encode(`session.list\u0000${envelope('session.list').replace('{"session_id":"s","token":"t"}', `{"sessions":[${Array(200_000).fill('{}').join(',')}]}`)}`));
    expect(isLeft(list) && doc.includes(`(\`payload.sessions: ${list.left.issues[4]?.message}\`)`)).toBe(true);
    // The JSON failure ends with the engine's own words, which differ between Node versions.
    const json = messageOf(utf8.encode('llm.token\u0000not json'));
    expect(json.startsWith('cannot decode "llm.token" frame: json: envelope is not JSON (')).toBe(true);
    expect(doc).toContain('| `cannot decode "llm.token" frame: json: envelope is not JSON (');
  });

  it('quotes the RPC error messages that the codecs produce', () => {
    const argument = buildRequest('message.send', { session_id: 's', content: '' }, 'r1');
    expect(isLeft(argument) && doc.includes(`\`${argument.left.message}\``)).toBe(true);
    const rpc = decodeResult('session.get', { jsonrpc: '2.0', id: '1', error: { code: -32000, message: 'session.get: session not found' } });
    expect(isLeft(rpc) && doc.includes(`\`${rpc.left.message}\``)).toBe(true);
    const wrong = decodeResult('session.list', {
      jsonrpc: '2.0',
      id: '1',
      result: [
        { id: 'a', title: '', updated_at: '2026-03-01T10:20:30Z', message_count: 1 },
        { id: 'b', title: '', updated_at: '2026-03-01T10:20:30Z', message_count: '4' },
      ],
    });
    expect(isLeft(wrong) && doc.includes(`\`${wrong.left.message}\``)).toBe(true);
    expect(doc).toContain(`\`${new RpcTimeoutError('session.list', 10_000).message}\``);
    for (const reply of ['{"jsonrpc":"2.0","id":1,"result":{}}', `{"jsonrpc":"2.0","id":"1","result":${'['.repeat(600)}${']'.repeat(600)}}`]) {
      const failure = decodeResponse(reply);
      expect(isLeft(failure) && failure.left.id === undefined).toBe(true);
      expect(isLeft(failure) && doc.includes(`{ reason: '${failure.left.reason}', detail: '${failure.left.detail}' }`)).toBe(true);
    }
    for (const reply of ['{"jsonrpc":"2.0","id":"1"}', '{"jsonrpc":"1.0","id":"1","result":{}}']) {
      const failure = decodeResponse(reply);
      expect(isLeft(failure) && doc.includes(`{ reason: '${failure.left.reason}', detail: '${failure.left.detail}', id: '1' }`)).toBe(true);
    }
  });

  it('quotes formatGoDuration correctly', () => {
    expect(doc).toContain(`formatGoDuration(5_400_000) === '${formatGoDuration(5_400_000)}'`);
    expect(doc).toContain(`formatGoDuration(0.0015) === '${formatGoDuration(0.0015)}'`);
  });
});
