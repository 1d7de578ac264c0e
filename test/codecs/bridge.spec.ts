import { fromBase64, toBase64 } from '../../src/codecs/internal/base64';
import {
  decodeBridgeClientMessage,
  decodeBridgeServerMessage,
  encodeBridgeMessage,
  type BridgeClientMessage,
} from '../../src/codecs/bridge';

describe('the bridge message codecs', () => {
  it.each<BridgeClientMessage>([
    { type: 'subscribe', prefix: 'llm.token\u0000' },
    { type: 'unsubscribe', prefix: '' },
    { type: 'request', seq: 7, request: '{"jsonrpc":"2.0","id":"1","method":"instance.ping"}' },
  ])('round-trips the browser message %j', (message) => {
    expect(decodeBridgeClientMessage(encodeBridgeMessage(message))).toEqual({ _tag: 'Right', right: message });
  });

  it.each([
    ['not json', 'message is not JSON'],
    ['[]', 'message.type: expected one of subscribe, unsubscribe, request, got nothing'],
    ['{"type":"hello"}', 'message.type: expected one of subscribe, unsubscribe, request, got "hello"'],
    ['{"type":"__proto__"}', 'message.type: expected one of subscribe, unsubscribe, request, got "__proto__"'],
    ['{"type":"subscribe","prefix":3}', 'message.prefix: expected string, got 3'],
    ['{"type":"request","seq":1.5,"request":"{}"}', 'message.seq'],
  ])('refuses %s with a clear reason', (text, reason) => {
    const decoded = decodeBridgeClientMessage(text);
    expect(decoded._tag).toBe('Left');
    if (decoded._tag === 'Left') expect(decoded.left.message).toContain(reason);
  });

  it('decodes what the bridge sends', () => {
    expect(decodeBridgeServerMessage('{"type":"sent","seq":2,"sent":false}')).toEqual({ _tag: 'Right', right: { type: 'sent', seq: 2, sent: false } });
    expect(decodeBridgeServerMessage('{"type":"connection","state":"up"}')._tag).toBe('Left');
  });

  it('base64 round-trips any bytes and refuses what is not base64', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255);
      const text = toBase64(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64'));
      expect(fromBase64(text)).toEqual(bytes);
    }
    expect(fromBase64('abc')).toBeUndefined();
    expect(fromBase64('ab$=')).toBeUndefined();
    expect(fromBase64('a===')).toBeUndefined();
  });
});
