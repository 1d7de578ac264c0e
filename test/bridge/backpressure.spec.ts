import WebSocket from 'ws';
import { interval, map } from 'rxjs';
import { startBridge, type Bridge, type BridgeOptions } from '../../src/bridge/start-bridge';
import { startFakeInstance, type FakeInstance } from '../../src/testing';
import { waitFor } from '../helpers/live';
import { rawClient } from './helpers';

/** A browser that stops reading: the bridge's buffer for it stays bounded, its tokens are joined. */
describe('the WebSocket bridge and a browser that cannot keep up (loopback)', () => {
  let fake: FakeInstance;
  const bridges: Bridge[] = [];
  const sockets: WebSocket[] = [];

  const bridge = async (options: BridgeOptions = {}): Promise<Bridge> => {
    const started = await startBridge({ pubEndpoint: fake.pubEndpoint, rpcEndpoint: fake.rpcEndpoint }, { port: 0, ...options });
    bridges.push(started);
    return started;
  };
  const raw = (url: string) => {
    const client = rawClient(url);
    sockets.push(client.ws);
    return client;
  };

  /** A bridge (64 KiB bound) and an events client subscribed to everything that then stops reading. */
  const stalledBrowser = async () => {
    const b = await bridge({ maxBufferedBytes: 64 * 1024 });
    const client = raw(`${b.url}?side=events&token=${encodeURIComponent(b.token)}`);
    await client.opened;
    client.ws.send(JSON.stringify({ type: 'subscribe', prefix: '' }));
    await client.next((m) => m.type === 'connection');
    client.ws.pause(); // stops reading: the kernel buffers fill, then ws's own
    return { b, client };
  };

  beforeEach(async () => {
    fake = await startFakeInstance({ heartbeatIntervalMs: 0, tokenIntervalMs: 0 });
  });

  afterEach(async () => {
    for (const ws of sockets.splice(0)) ws.terminate();
    for (const b of bridges.splice(0)) await b.close();
    await fake.stop({ silent: true });
  });

  it('tells a browser that cannot keep up it fell behind, and keeps its buffer bounded', async () => {
    const { b, client } = await stalledBrowser();
    const big = 'x'.repeat(16 * 1024);
    const sessionId = fake.sessions()[0]!.id;
    let maxBuffered = 0;
    for (let i = 0; i < 4000 && b.stats().droppedFrames < 50; i++) {
      await fake.publishTopic('llm.token', { session_id: sessionId, token: big });
      maxBuffered = Math.max(maxBuffered, b.stats().bufferedBytes);
    }
    expect(b.stats().droppedFrames).toBeGreaterThanOrEqual(50);
    // Bounded: at most the bound plus one frame message (16 KiB of token, base64: about 22 KiB).
    expect(maxBuffered).toBeGreaterThan(0);
    expect(maxBuffered).toBeLessThanOrEqual(64 * 1024 + 24 * 1024);
    client.ws.resume();
    const behind = (await client.next((m) => m.type === 'behind', 10_000)) as { dropped: number };
    expect(behind.dropped).toBeGreaterThan(0);
    expect(b.stats().droppedFrames).toBeGreaterThanOrEqual(behind.dropped);
  });

  it('joins the tokens of a browser that cannot keep up, per session, so that no word is lost', async () => {
    const { b, client } = await stalledBrowser();
    const [first, second] = fake.sessions();
    const filler = 'x'.repeat(16 * 1024);
    for (let i = 0; i < 4000 && b.stats().droppedFrames === 0; i++) {
      await fake.publishTopic('message.append', { session_id: first!.id, message_id: `m${i}`, role: 'user', content: filler });
    }
    expect(b.stats().droppedFrames).toBeGreaterThan(0); // over the bound from here on
    const words = Array.from({ length: 100 }, (_, i) => `w${i} `);
    for (const word of words) {
      await fake.publishTopic('llm.token', { session_id: first!.id, token: word });
      await fake.publishTopic('llm.token', { session_id: second!.id, token: word.toUpperCase() });
    }
    await waitFor(interval(10).pipe(map(() => b.stats().coalescedTokens)), (n) => n >= 2 * 99);
    expect(b.stats().coalescedTokens).toBe(2 * 99);
    client.ws.resume();
    await client.next((m) => m.type === 'behind', 10_000);
    const tokens = client.messages
      .filter((m): m is { type: 'frame'; data: string } => m.type === 'frame')
      .map((m) => Buffer.from(m.data, 'base64').toString('utf8'))
      .filter((text) => text.startsWith('llm.token\u0000'))
      .map((text) => JSON.parse(text.slice('llm.token\u0000'.length)) as { payload: { session_id: string; token: string } });
    expect(tokens.map((t) => [t.payload.session_id, t.payload.token])).toEqual([
      [first!.id, words.join('')],
      [second!.id, words.join('').toUpperCase()],
    ]);
  });
});
