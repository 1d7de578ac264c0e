import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { decodeFrame } from '../../src/codecs/frame.js';
import { decodeResponse, MethodTable, RpcErrorCode, type Method } from '../../src/codecs/rpc.js';
import { decodeResult } from '../../src/observables/rpc-request.js';
import type { EventOf, PandoEvent } from '../../src/codecs/topics.js';
import { parseGoDuration } from '../../src/codecs/values.js';
import {
  DEFAULT_SESSION_IDS,
  FakeInstanceStoppedError,
  FakeMethodError,
  FakeWaitTimeoutError,
  splitIntoTokens,
  startFakeInstance,
  truncateToolResult,
  type FakeInstance,
  type FakeInstanceOptions,
  type TurnScript,
} from '../../src/testing/index.js';
import { EventTap, RpcClient, type Reply } from './clients.js';

// Every spec runs over real loopback sockets; whatever a test opens is closed in afterEach.
let opened: Array<{ close(): void } | FakeInstance> = [];

const start = async (options?: FakeInstanceOptions): Promise<FakeInstance> => {
  const fake = await startFakeInstance({ heartbeatIntervalMs: 0, tokenIntervalMs: 1, ...options });
  opened.push(fake);
  return fake;
};
const rpc = (fake: FakeInstance): RpcClient => {
  const client = new RpcClient(fake.rpcEndpoint);
  opened.push(client);
  return client;
};
const tap = async (fake: FakeInstance): Promise<EventTap> => {
  const events = new EventTap(fake.pubEndpoint);
  opened.push(events);
  await events.ready(fake);
  return events;
};

afterEach(async () => {
  const toClose = opened;
  opened = [];
  for (const item of toClose.reverse()) {
    if ('stop' in item) await item.stop({ silent: true });
    else item.close();
  }
});

/** Decodes a reply with the method table, as a client would; fails the test if it does not decode. */
const resultOf = <M extends Method>(method: M, reply: Reply) => {
  const response = decodeResponse(reply.text);
  if (isLeft(response)) throw new Error(`not a response: ${response.left.detail}`);
  const result = decodeResult(method, response.right);
  if (isLeft(result)) throw result.left;
  return result.right;
};

const errorOf = (reply: Reply): { code: number; message: string } => {
  expect(reply.json.result).toBeUndefined();
  expect(reply.json.error).toBeDefined();
  return reply.json.error!;
};

const [OLDER, NEWER] = DEFAULT_SESSION_IDS;

describe('startFakeInstance', () => {
  it('binds both sockets on 127.0.0.1 free ports and generates an instance id', async () => {
    const fake = await start();
    expect(fake.pubEndpoint).toBe(`tcp://127.0.0.1:${fake.pubPort}`);
    expect(fake.rpcEndpoint).toBe(`tcp://127.0.0.1:${fake.rpcPort}`);
    expect(fake.pubPort).not.toBe(fake.rpcPort);
    expect(fake.instanceId).toMatch(/^fake-[0-9a-f]{8}$/);
    expect(fake.mode).toBe('full');
    expect(fake.stopped).toBe(false);
  });

  it('seeds two realistic sessions with whole-second times and matching messages', async () => {
    const fake = await start();
    const sessions = fake.sessions();
    expect(sessions.map((s) => s.id)).toEqual([NEWER, OLDER]); // most recently updated first
    for (const s of sessions) {
      expect(s.updated_at.getTime() % 1000).toBe(0);
      expect(fake.messages(s.id)).toHaveLength(s.message_count);
    }
    expect(fake.activeSessionId).toBe(NEWER);
  });
});

describe('RPC in full mode', () => {
  it('answers instance.ping with the instance id and a Go uptime', async () => {
    const fake = await start({ instanceId: 'fake-ping' });
    const result = resultOf('instance.ping', await rpc(fake).call('instance.ping'));
    expect(result.status).toBe('ok');
    expect(result.instance_id).toBe('fake-ping');
    expect(result.uptime.ms).toBeGreaterThanOrEqual(0);
    expect(parseGoDuration(result.uptime.text)).toBe(result.uptime.ms);
  });

  it('answers session.list with a bare array, and null when there is no session', async () => {
    const fake = await start();
    const client = rpc(fake);
    const list = resultOf('session.list', await client.call('session.list'));
    expect(list).toEqual(fake.sessions());

    const empty = await start({ sessions: [] });
    const reply = await rpc(empty).call('session.list');
    expect(reply.json.result).toBeNull(); // Go's nil slice
    expect(resultOf('session.list', reply)).toEqual([]);
  });

  it('answers session.get, or -32000 for an unknown session and an empty id', async () => {
    const fake = await start();
    const client = rpc(fake);
    expect(resultOf('session.get', await client.call('session.get', { session_id: OLDER }))).toEqual(
      fake.sessions().find((s) => s.id === OLDER),
    );
    expect(errorOf(await client.call('session.get', { session_id: 'nope' }))).toEqual({
      code: RpcErrorCode.MethodFailed,
      message: 'session.get: sql: no rows in result set',
    });
    const invalid = errorOf(await client.call('session.get', { session_id: '' }));
    expect(invalid.code).toBe(RpcErrorCode.MethodFailed);
    expect(invalid.message).toMatch(/^session\.get: invalid params: session_id: expected non-empty string/);
  });

  it('answers session.activate and publishes session.activated', async () => {
    const fake = await start();
    const events = await tap(fake);
    const result = resultOf('session.activate', await rpc(fake).call('session.activate', { session_id: OLDER }));
    expect(result).toEqual({ ok: true });
    expect(fake.activeSessionId).toBe(OLDER);
    const activated = (await events.waitForEvent('session.activated')) as EventOf<'session.activated'>;
    expect(activated.payload.id).toBe(OLDER);
    expect(activated.sessionId).toBe(OLDER);
    expect(activated.instanceId).toBe(fake.instanceId);
  });

  it('answers message.list with the stored messages, and null for none or an unknown session', async () => {
    const fake = await start({
      sessions: [{ id: 's1', title: 'empty', updated_at: new Date(1_700_000_000_000), message_count: 0 }],
    });
    const client = rpc(fake);
    const reply = await client.call('message.list', { session_id: 's1' });
    expect(reply.json.result).toBeNull();
    expect(resultOf('message.list', reply)).toEqual([]);
    // Pando's message list is a query: for a session it does not have, it finds no rows.
    expect((await client.call('message.list', { session_id: 'nope' })).json).toMatchObject({ result: null });

    const seeded = await start();
    const messages = resultOf('message.list', await rpc(seeded).call('message.list', { session_id: OLDER }));
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(messages).toEqual(seeded.messages(OLDER));
  });

  it('answers state.sync with the sessions, the active session and the instance id', async () => {
    const fake = await start({ instanceId: 'fake-sync', activeSessionId: OLDER });
    const client = rpc(fake);
    expect(resultOf('state.sync', await client.call('state.sync', {}))).toEqual({
      sessions: fake.sessions(),
      active_session_id: OLDER,
      instance_id: 'fake-sync',
    });
    const none = await start({ sessions: [], activeSessionId: null });
    const reply = await rpc(none).call('state.sync', { project_id: 'p' });
    expect(reply.json.result).toEqual({ sessions: null, instance_id: none.instanceId });
  });

  it('answers instance.info with JSON about the fake', async () => {
    const fake = await start();
    const info = resultOf('instance.info', await rpc(fake).call('instance.info')) as Record<string, unknown>;
    expect(info).toMatchObject({ instance_id: fake.instanceId, mode: 'full', pub_endpoint: fake.pubEndpoint });
  });

  it('answers message.send and session.interrupt with ok', async () => {
    const fake = await start();
    const client = rpc(fake);
    expect(resultOf('message.send', await client.call('message.send', { session_id: OLDER, content: 'hi' }))).toEqual({
      ok: true,
    });
    expect(resultOf('session.interrupt', await client.call('session.interrupt', { session_id: OLDER }))).toEqual({
      ok: true,
    });
  });

  it('answers -32000 naming the method for invalid message.send params, a busy session and a failing script', async () => {
    const fake = await start({
      tokenIntervalMs: 10_000,
      script: (_id, content) => {
        if (content === 'boom') throw new Error('model overloaded');
        return 'fine';
      },
    });
    const client = rpc(fake);
    const empty = errorOf(await client.call('message.send', { session_id: OLDER, content: '' }));
    expect(empty.code).toBe(-32000);
    expect(empty.message).toMatch(/^message\.send: invalid params: content: expected non-empty string/);
    expect(errorOf(await client.call('message.send', { session_id: '', content: 'x' })).message).toMatch(
      /^message\.send: invalid params: session_id/,
    );
    expect(errorOf(await client.call('message.send', { session_id: OLDER, content: 'boom' })).message).toBe(
      'message.send: model overloaded',
    );
    await client.call('message.send', { session_id: OLDER, content: 'first' });
    expect(errorOf(await client.call('message.send', { session_id: OLDER, content: 'second' })).message).toBe(
      'message.send: session is busy',
    );
    expect(fake.runningTurns()).toEqual([OLDER]);
  });

  it('answers message.send to an unknown session with ok, and publishes nothing (as Pando does)', async () => {
    const fake = await start();
    const events = await tap(fake);
    const client = rpc(fake);
    expect(resultOf('message.send', await client.call('message.send', { session_id: 'nope', content: 'x' }))).toEqual({ ok: true });
    expect(resultOf('session.interrupt', await client.call('session.interrupt', { session_id: 'nope' }))).toEqual({ ok: true });
    expect(fake.runningTurns()).toEqual([]);
    await events.fence(fake); // everything published so far has arrived
    expect(events.events()).toEqual([]);
  });

  it('answers -32601 ipc: method not found for an unknown method', async () => {
    const fake = await start();
    expect(errorOf(await rpc(fake).call('session.explode', {}))).toEqual({ code: -32601, message: 'ipc: method not found' });
  });
});

describe('RPC in pando mode', () => {
  it('serves ping, list, get, activate and message.list like full mode', async () => {
    const fake = await start({ mode: 'pando' });
    const client = rpc(fake);
    expect(resultOf('instance.ping', await client.call('instance.ping')).instance_id).toBe(fake.instanceId);
    expect(resultOf('session.list', await client.call('session.list'))).toHaveLength(2);
    expect(resultOf('session.get', await client.call('session.get', { session_id: NEWER })).id).toBe(NEWER);
    expect(resultOf('session.activate', await client.call('session.activate', { session_id: OLDER }))).toEqual({ ok: true });
    expect(resultOf('message.list', await client.call('message.list', { session_id: NEWER }))).toHaveLength(2);
  });

  it('publishes envelopes that name no session, as today\'s Pando (the payload names it)', async () => {
    const fake = await start({ mode: 'pando' });
    const events = await tap(fake);
    await rpc(fake).call('session.activate', { session_id: OLDER });
    const activated = (await events.waitForEvent('session.activated')) as EventOf<'session.activated'>;
    expect(activated.payload.id).toBe(OLDER);
    expect(activated.sessionId).toBeUndefined();
  });

  it('has no state.sync or instance.info handler', async () => {
    const fake = await start({ mode: 'pando' });
    const client = rpc(fake);
    for (const method of ['state.sync', 'instance.info']) {
      expect(errorOf(await client.call(method, {}))).toEqual({ code: -32601, message: 'ipc: method not found' });
    }
  });

  it('answers message.send and session.interrupt with -32000 and plays no turn', async () => {
    const fake = await start({ mode: 'pando' });
    const events = await tap(fake);
    const client = rpc(fake);
    expect(errorOf(await client.call('message.send', { session_id: OLDER, content: 'hello' }))).toEqual({
      code: -32000,
      message: 'message.send: agent runner not available on this instance',
    });
    expect(errorOf(await client.call('session.interrupt', { session_id: OLDER }))).toEqual({
      code: -32000,
      message: 'session.interrupt: agent runner not available on this instance',
    });
    expect(fake.runningTurns()).toEqual([]);
    await events.fence(fake); // everything published so far has arrived
    expect(events.events()).toEqual([]);
    expect(fake.messages(OLDER)).toHaveLength(4);
  });
});

describe.each(['pando', 'full'] as const)("Pando's error texts in %s mode", (mode) => {
  it('session.get and session.activate of an unknown session: -32000 <method>: sql: no rows in result set', async () => {
    const fake = await start({ mode });
    const client = rpc(fake);
    for (const method of ['session.get', 'session.activate'] as const) {
      expect(errorOf(await client.call(method, { session_id: 'no-such-session' }))).toEqual({
        code: -32000,
        message: `${method}: sql: no rows in result set`,
      });
    }
    expect(fake.activeSessionId).toBe(NEWER);
  });

  it('an unknown method: -32601 ipc: method not found', async () => {
    const fake = await start({ mode });
    expect(errorOf(await rpc(fake).call('session.explode', {}))).toEqual({ code: -32601, message: 'ipc: method not found' });
  });
});

describe('the transport', () => {
  it('answers -32700 with id "" for a request that is not JSON', async () => {
    const fake = await start();
    const client = rpc(fake);
    await client.sendFrames(['', '{"jsonrpc":"2.0", nope']);
    const reply = await client.nth(0);
    expect(reply.json.id).toBe('');
    expect(errorOf(reply).code).toBe(RpcErrorCode.ParseError);
    expect(fake.requests[0]).toMatchObject({ valid: false, id: '', method: '' });
  });

  it('answers -32700 with id "" for a numeric id, and does not execute the request', async () => {
    const fake = await start();
    const events = await tap(fake);
    const client = rpc(fake);
    await client.sendFrames(['', JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'session.activate', params: { session_id: OLDER } })]);
    const reply = await client.nth(0);
    expect(reply.json).toEqual({ jsonrpc: '2.0', id: '', error: expect.objectContaining({ code: -32700 }) });
    await events.fence(fake);
    expect(events.events()).toEqual([]);
    expect(fake.activeSessionId).toBe(NEWER);
  });

  it('answers -32700 saying what was wrong for JSON that is not a JSON-RPC request, and does not execute it', async () => {
    const fake = await start();
    const client = rpc(fake);
    const bodies = [
      { id: 'no-version', method: 'session.activate', params: { session_id: OLDER } },
      { jsonrpc: '2.0', id: 'no-method', params: {} },
      [1, 2],
    ];
    for (const body of bodies) await client.sendFrames(['', JSON.stringify(body)]);
    await client.nth(bodies.length - 1);
    expect(client.replies.items.map((r) => [r.json.id, errorOf(r).code, errorOf(r).message])).toEqual([
      ['', -32700, 'ipc: parse error: jsonrpc: expected "2.0", got nothing'],
      ['', -32700, 'ipc: parse error: method: expected string, got nothing'],
      ['', -32700, expect.stringMatching(/^ipc: parse error: expected \{ jsonrpc: "2\.0", method: string \}, got \[1,2\]/)],
    ]);
    expect(fake.requests.map((r) => r.valid)).toEqual([false, false, false]);
    expect(fake.activeSessionId).toBe(NEWER);
  });

  it('answers a request without id with id ""', async () => {
    const fake = await start();
    const client = rpc(fake);
    await client.sendFrames(['', JSON.stringify({ jsonrpc: '2.0', method: 'instance.ping', params: {} })]);
    const reply = await client.nth(0);
    expect(reply.json.id).toBe('');
    expect(resultOf('instance.ping', reply).instance_id).toBe(fake.instanceId);
  });

  it('reads a one-frame request and answers [empty][JSON]', async () => {
    const fake = await start();
    const reply = await rpc(fake).call('instance.ping', {}, 'one-frame', true);
    expect(reply.frames).toHaveLength(2);
    expect(reply.frames[0]!.length).toBe(0);
    expect(reply.json.id).toBe('one-frame');
  });

  it('handles requests concurrently: a slow handler does not hold back the others', async () => {
    const fake = await start();
    const client = rpc(fake);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    fake.overrideMethod('session.list', async () => {
      await gate;
      return [];
    });
    const slow = client.call('session.list', {}, 'slow');
    const fast = await client.call('instance.ping', {}, 'fast');
    expect(client.replies.items.map((r) => r.json.id)).toEqual(['fast']);
    open();
    expect((await slow).json.result).toBeNull();
    expect(fast.json.result).toBeDefined();
  });

  it('lets a test override and unregister a method', async () => {
    const fake = await start({ methods: { 'instance.ping': null } });
    const client = rpc(fake);
    expect(errorOf(await client.call('instance.ping')).code).toBe(-32601);
    fake.overrideMethod('session.get', () => {
      throw new FakeMethodError('database is locked');
    });
    expect(errorOf(await client.call('session.get', { session_id: OLDER })).message).toBe('session.get: database is locked');
    fake.overrideMethod('session.get', undefined);
    fake.overrideMethod('instance.ping', undefined);
    expect(resultOf('session.get', await client.call('session.get', { session_id: OLDER })).id).toBe(OLDER);
    expect(resultOf('instance.ping', await client.call('instance.ping')).status).toBe('ok');
  });
});

/** Every frame since the tap was ready, decoded; fails the test if any does not decode. */
const decodedAll = (events: EventTap): PandoEvent[] => {
  for (const r of events.frames()) expect(r.error).toBeUndefined();
  return events.events();
};

describe('scripted turns', () => {
  const longResult = 'x'.repeat(600);
  const script: TurnScript = (_id, content) => ({
    reply: `Checking. Then answering ${content} now.`,
    toolCalls: [{ name: 'grep', params: { pattern: 'TODO' }, result: longResult, afterToken: 1, callId: 'call_1' }],
    tokensIn: 42,
  });

  it('plays llm.start, tokens in order, a tool call, llm.end, message.append and session.update in full mode', async () => {
    const fake = await start({ script });
    const events = await tap(fake);
    const before = fake.sessions().find((s) => s.id === OLDER)!;
    expect(resultOf('message.send', await rpc(fake).call('message.send', { session_id: OLDER, content: 'hello' }))).toEqual({
      ok: true,
    });
    await events.waitForEvent('session.update', (e) => (e as EventOf<'session.update'>).payload.message_count === before.message_count + 2);

    const all = decodedAll(events);
    expect(all.map((e) => e.topic)).toEqual([
      'message.append',
      'session.update',
      'llm.start',
      'llm.token',
      'tool.start',
      'tool.end',
      'llm.token',
      'llm.token',
      'llm.token',
      'llm.token',
      'llm.end',
      'message.append',
      'session.update',
    ]);
    for (const e of all) {
      expect(e.sessionId).toBe(OLDER);
      expect(e.instanceId).toBe(fake.instanceId);
    }
    const reply = 'Checking. Then answering hello now.';
    const tokens = all.filter((e): e is EventOf<'llm.token'> => e.topic === 'llm.token').map((e) => e.payload.token);
    expect(tokens).toEqual(splitIntoTokens(reply));
    expect(tokens.join('')).toBe(reply);

    const toolStart = all.find((e): e is EventOf<'tool.start'> => e.topic === 'tool.start')!;
    expect(toolStart.payload).toEqual({ session_id: OLDER, tool_name: 'grep', call_id: 'call_1', params: '{"pattern":"TODO"}' });
    const toolEnd = all.find((e): e is EventOf<'tool.end'> => e.topic === 'tool.end')!;
    expect(toolEnd.payload.result).toBe(`${'x'.repeat(512)}...`);
    expect(toolEnd.payload.is_error).toBe(false);

    const end = all.find((e): e is EventOf<'llm.end'> => e.topic === 'llm.end')!;
    expect(end.payload).toEqual({ session_id: OLDER, tokens_in: 42, tokens_out: tokens.length });

    const appends = all.filter((e): e is EventOf<'message.append'> => e.topic === 'message.append').map((e) => e.payload);
    expect(appends.map((a) => [a.role, a.content])).toEqual([
      ['user', 'hello'],
      ['assistant', reply],
    ]);
    const updates = all.filter((e): e is EventOf<'session.update'> => e.topic === 'session.update').map((e) => e.payload);
    expect(updates.map((u) => u.message_count)).toEqual([before.message_count + 1, before.message_count + 2]);
    for (const u of updates) expect(u.updated_at.getTime() % 1000).toBe(0);

    const stored = fake.messages(OLDER).slice(-2);
    expect(stored.map((m) => [m.id, m.role, m.content])).toEqual(appends.map((a) => [a.message_id, a.role, a.content]));
    expect(fake.runningTurns()).toEqual([]);
  });

  it('plays the default script: word tokens and one tool call', async () => {
    const fake = await start({ tokenIntervalMs: 0 });
    const events = await tap(fake);
    const result = await fake.playTurn(NEWER, 'ping me');
    expect(result.outcome).toBe('completed');
    expect(result.reply).toContain('ping me');
    await events.waitForEvent('message.append', (e) => (e as EventOf<'message.append'>).payload.role === 'assistant');
    const all = decodedAll(events);
    expect(all.filter((e) => e.topic === 'tool.start')).toHaveLength(1);
    expect(all.filter((e) => e.topic === 'llm.token')).toHaveLength(result.tokensOut);
  });

  it('is cut short by session.interrupt, closing an open tool call and ending with llm.end', async () => {
    const many = Array.from({ length: 200 }, (_, i) => `w${i} `).join('');
    const fake = await start({
      tokenIntervalMs: 5,
      script: () => ({ reply: many, toolCalls: [{ name: 'bash', result: 'never', afterToken: 3, durationMs: 60_000 }] }),
    });
    const events = await tap(fake);
    const client = rpc(fake);
    await client.call('message.send', { session_id: NEWER, content: 'count' });
    await events.waitForEvent('tool.start');
    expect(resultOf('session.interrupt', await client.call('session.interrupt', { session_id: NEWER }))).toEqual({ ok: true });
    const end = (await events.waitForEvent('llm.end')) as EventOf<'llm.end'>;
    await events.waitForEvent('message.append', (e) => (e as EventOf<'message.append'>).payload.role === 'assistant');
    await events.fence(fake);

    const all = decodedAll(events);
    const tokens = all.filter((e) => e.topic === 'llm.token');
    expect(tokens).toHaveLength(3);
    expect(end.payload.tokens_out).toBe(3);
    const toolEnd = all.find((e): e is EventOf<'tool.end'> => e.topic === 'tool.end')!;
    expect(toolEnd.payload).toMatchObject({ tool_name: 'bash', is_error: true, result: 'context canceled' });
    expect(all.map((e) => e.topic).slice(-4)).toEqual(['tool.end', 'llm.end', 'message.append', 'session.update']);
    expect(fake.messages(NEWER).at(-1)!.content).toBe('w0 w1 w2 ');
    expect(fake.runningTurns()).toEqual([]);
  });

  it('plays what Pando publishes in pando mode: no llm.start, no message.append, llm.end with 0 counts', async () => {
    const fake = await start({ mode: 'pando', script });
    const events = await tap(fake);
    const result = await fake.playTurn(OLDER, 'from the TUI');
    expect(result.outcome).toBe('completed');
    await events.fence(fake);
    const topics = decodedAll(events).map((e) => e.topic);
    expect(topics).not.toContain('llm.start');
    expect(topics).not.toContain('message.append');
    expect(topics[0]).toBe('session.update');
    expect(topics.filter((t) => t === 'llm.token')).toHaveLength(result.tokensOut);
    const end = events.events().find((e): e is EventOf<'llm.end'> => e.topic === 'llm.end')!;
    expect(end.payload).toEqual({ session_id: OLDER, tokens_in: 0, tokens_out: 0 });
    expect(fake.messages(OLDER).slice(-2).map((m) => m.role)).toEqual(['user', 'assistant']);
  });

  it('interruptTurn ends a turn started by playTurn; stop aborts one without events', async () => {
    const fake = await start({ tokenIntervalMs: 10_000, script: () => 'a b c' });
    const interrupted = fake.playTurn(OLDER, 'x');
    expect(fake.interruptTurn(OLDER)).toBe(true);
    expect(fake.interruptTurn(OLDER)).toBe(false);
    expect(await interrupted).toMatchObject({ outcome: 'interrupted', tokensOut: 0, reply: '' });
    const aborted = fake.playTurn(NEWER, 'y');
    await expect(fake.playTurn(NEWER, 'z')).rejects.toThrow('session is busy');
    await expect(fake.playTurn('nope', 'z')).rejects.toThrow('session not found');
    await fake.stop();
    expect((await aborted).outcome).toBe('aborted');
  });
});

describe('heartbeats', () => {
  it('arrive every heartbeatIntervalMs with the full payload in full mode', async () => {
    const fake = await start({ heartbeatIntervalMs: 50 });
    const events = await tap(fake);
    const beats = (await events.waitForCount('instance.heartbeat', 3)) as Array<EventOf<'instance.heartbeat'>>;
    for (const beat of beats) {
      expect(beat.payload).toMatchObject({ instance_id: fake.instanceId, session_count: 2, active_session_id: NEWER });
      expect(beat.payload.started_at).toEqual(fake.startedAt);
      expect(beat.payload.uptime.ms).toBeGreaterThan(0);
    }
    expect(decodedAll(events).length).toBeGreaterThanOrEqual(3);
  });

  it('put the PUB address in instance_id with session_count 0 in pando mode (pub-address)', async () => {
    const fake = await start({ mode: 'pando', heartbeatIntervalMs: 50 });
    const events = await tap(fake);
    const [beat] = (await events.waitForCount('instance.heartbeat', 2)) as Array<EventOf<'instance.heartbeat'>>;
    expect(beat!.payload.instance_id).toBe(fake.pubEndpoint);
    expect(beat!.payload.session_count).toBe(0);
    expect(beat!.payload.active_session_id).toBeUndefined();
    expect(beat!.instanceId).toBe(fake.instanceId);
  });

  it('send uptime "" and started_at = send time in pando mode (send-time)', async () => {
    const fake = await start({ mode: 'pando', heartbeatIntervalMs: 50, heartbeatQuirk: 'send-time' });
    const events = await tap(fake);
    const [beat] = (await events.waitForCount('instance.heartbeat', 2)) as Array<EventOf<'instance.heartbeat'>>;
    expect(beat!.payload.instance_id).toBe(fake.instanceId);
    expect(beat!.payload.uptime).toEqual({ ms: 0, text: '' });
    expect(beat!.payload.session_count).toBe(0);
    expect(Math.abs(beat!.payload.started_at.getTime() - beat!.timestamp.getTime())).toBeLessThan(50);
    expect(beat!.payload.started_at.getTime()).toBeGreaterThan(fake.startedAt.getTime());
  });
});

describe('stop and restart', () => {
  it('publishes instance.shutdown before closing, then rejects further use; stop is idempotent', async () => {
    const fake = await start();
    const events = await tap(fake);
    const first = fake.stop({ reason: 'test over' });
    expect(fake.stop()).toBe(first);
    await first;
    const shutdown = (await events.waitForEvent('instance.shutdown')) as EventOf<'instance.shutdown'>;
    expect(shutdown.payload).toEqual({ instance_id: fake.instanceId, reason: 'test over' });
    expect(fake.stopped).toBe(true);
    await expect(fake.publishRaw('x')).rejects.toThrow('stopped');
    await expect(fake.waitForRequest()).rejects.toThrow('stopped');
  });

  it('restarts on the same ports; clients reconnect by themselves; a silent stop sends no shutdown', async () => {
    const first = await start({ instanceId: 'fake-one' });
    const events = await tap(first);
    const client = rpc(first);
    expect(resultOf('instance.ping', await client.call('instance.ping')).instance_id).toBe('fake-one');
    await first.stop({ silent: true });

    const second = await start({ instanceId: 'fake-two', pubPort: first.pubPort, rpcPort: first.rpcPort });
    expect([second.pubEndpoint, second.rpcEndpoint]).toEqual([first.pubEndpoint, first.rpcEndpoint]);
    expect(resultOf('instance.ping', await client.call('instance.ping')).instance_id).toBe('fake-two');
    await events.ready(second);
    expect(events.events().filter((e) => e.topic === 'instance.shutdown')).toEqual([]);
  });

  it('rejects a pending waitForRequest when stopped', async () => {
    const fake = await start();
    const waiting = fake.waitForRequest((r) => r.method === 'never.called');
    await fake.stop();
    await expect(waiting).rejects.toThrow(FakeInstanceStoppedError);
    await expect(waiting).rejects.toThrow('fake instance stopped while waiting for a request matching the predicate');
  });
});

describe('publishing controls', () => {
  it('publishRaw delivers the bytes as given', async () => {
    const fake = await start();
    const events = await tap(fake);
    const bytes = Uint8Array.from([0x6c, 0x6c, 0x6d, 0x00, 0xff, 0xfe, 0x7b]);
    await fake.publishRaw(bytes);
    await fake.publishRaw('no separator here');
    await events.fence(fake);
    const frames = events.frames();
    expect(frames.map((f) => [...f.frame])).toEqual([[...bytes], [...Buffer.from('no separator here')]]);
    expect(frames.every((f) => f.error !== undefined)).toBe(true);
  });

  it('publishTopic fills the header from the instance and the payload; publish sends any event', async () => {
    const fake = await start({ projectId: 'proj' });
    const events = await tap(fake);
    await fake.publishTopic('llm.token', { session_id: 's9', token: 'hi' });
    await fake.publishTopic('llm.token', { session_id: 's9', token: 'yo' }, { sessionId: '', instanceId: 'other' });
    const at = new Date('2026-03-01T10:20:30.123Z');
    await fake.publish({ topic: 'custom.thing', instanceId: 'x', projectId: '', timestamp: at, payload: { any: [1] } });
    await events.fence(fake);
    const [a, b, c] = decodedAll(events);
    expect(a).toMatchObject({ topic: 'llm.token', instanceId: fake.instanceId, projectId: 'proj', sessionId: 's9' });
    expect(b).toMatchObject({ instanceId: 'other', payload: { token: 'yo' } });
    expect(b!.sessionId).toBeUndefined();
    expect(c).toEqual({ topic: 'custom.thing', instanceId: 'x', projectId: '', timestamp: at, payload: { any: [1] } });
  });

  it('upsertSession and deleteSession change state and publish as Pando would', async () => {
    const fake = await start();
    const events = await tap(fake);
    const created = { id: 'new', title: 'New one', updated_at: new Date(1_800_000_000_000), message_count: 0 };
    await fake.upsertSession(created);
    await fake.upsertSession({ ...created, title: 'Renamed' });
    expect(await fake.deleteSession(NEWER)).toBe(true);
    expect(await fake.deleteSession('missing')).toBe(false);
    await fake.deleteSession(OLDER);
    await fake.deleteSession('new');
    await events.fence(fake);
    const all = decodedAll(events);
    expect(all.map((e) => e.topic)).toEqual([
      'session.update',
      'session.list',
      'session.update',
      'session.deleted',
      'session.list',
      'session.deleted',
      'session.list',
      'session.deleted',
      'session.list',
    ]);
    expect((all[2] as EventOf<'session.update'>).payload.title).toBe('Renamed');
    expect((all[1] as EventOf<'session.list'>).payload.sessions.map((s) => s.id)).toEqual(['new', NEWER, OLDER]);
    expect((all[3] as EventOf<'session.deleted'>).payload.id).toBe(NEWER);
    expect((all[8] as EventOf<'session.list'>).payload.sessions).toEqual([]);
    expect(fake.sessions()).toEqual([]);
    expect(fake.activeSessionId).toBeUndefined();
  });

  it('publishes no session.list in pando mode', async () => {
    const fake = await start({ mode: 'pando' });
    const events = await tap(fake);
    await fake.upsertSession({ id: 'n', title: 't', updated_at: new Date(0), message_count: 0 });
    await fake.deleteSession('n');
    await fake.activateSession(OLDER);
    await events.fence(fake);
    expect(decodedAll(events).map((e) => e.topic)).toEqual(['session.update', 'session.deleted', 'session.activated']);
  });
});

describe('reply controls', () => {
  it('delayReplies lets a later request be answered first', async () => {
    const fake = await start();
    const client = rpc(fake);
    fake.delayReplies((r) => (r.id === 'late' ? 150 : 0));
    const late = client.call('instance.ping', {}, 'late');
    await client.call('session.list', {}, 'early');
    await late;
    expect(client.replies.items.map((r) => r.json.id)).toEqual(['early', 'late']);
    fake.delayReplies(0);
  });

  it('dropReplies executes a request but never answers it', async () => {
    const fake = await start();
    const events = await tap(fake);
    const client = rpc(fake);
    fake.dropReplies((r) => r.method === 'session.activate');
    client.send('session.activate', { session_id: OLDER }, 'dropped');
    await client.call('instance.ping', {}, 'answered');
    // Replies leave in order: had 'dropped' been answered, it would have come before 'answered'.
    expect(client.replies.items.map((r) => r.json.id)).toEqual(['answered']);
    expect(fake.replies.map((r) => r.request.id)).toEqual(['answered']);
    expect(fake.requests.map((r) => r.id)).toEqual(['dropped', 'answered']);
    expect(fake.activeSessionId).toBe(OLDER);
    await events.waitForEvent('session.activated');
    fake.dropReplies(null);
    expect((await client.call('session.activate', { session_id: NEWER }, 'again')).json.result).toEqual({ ok: true });
  });

  it('holdReplies and releaseReplies answer in the order asked', async () => {
    const fake = await start();
    const client = rpc(fake);
    fake.holdReplies();
    for (const id of ['1', '2', '3']) client.send('instance.ping', {}, id);
    await fake.waitForRequest((r) => r.id === '3');
    expect(fake.heldReplies().map((r) => r.id)).toEqual(['1', '2', '3']);
    expect(client.replies.items).toEqual([]);
    expect(await fake.releaseReplies('reverse')).toBe(3);
    await client.nth(2);
    expect(client.replies.items.map((r) => r.json.id)).toEqual(['3', '2', '1']);

    fake.holdReplies((r) => r.method === 'session.list');
    for (const id of ['a', 'b', 'c']) client.send('session.list', {}, id);
    await client.call('instance.ping', {}, 'not-held');
    await fake.waitForRequest((r) => r.id === 'c');
    await fake.releaseReplies(['b']);
    await client.nth(6);
    expect(client.replies.items.slice(3).map((r) => r.json.id)).toEqual(['not-held', 'b', 'a', 'c']);
  });
});

describe('the request log', () => {
  it('records every request in order with method, id and params, as an array and a stream', async () => {
    const fake = await start();
    const client = rpc(fake);
    const streamed: string[] = [];
    const subscription = fake.requests$.subscribe((r) => streamed.push(r.method));
    await client.call('session.get', { session_id: OLDER }, 'g');
    await client.call('message.send', { session_id: NEWER, content: 'hi' }, 's');
    subscription.unsubscribe();
    expect(fake.requests.map((r) => [r.seq, r.id, r.method, r.params, r.valid])).toEqual([
      [1, 'g', 'session.get', { session_id: OLDER }, true],
      [2, 's', 'message.send', { session_id: NEWER, content: 'hi' }, true],
    ]);
    expect(streamed).toEqual(['session.get', 'message.send']);
    expect(fake.replies.map((r) => r.reply.id)).toEqual(['g', 's']);
    expect(await fake.waitForReply((r) => r.request.id === 's')).toMatchObject({ reply: { result: { ok: true } } });
  });

  it('waitForRequest resolves for a past or a future request, and times out', async () => {
    const fake = await start();
    const client = rpc(fake);
    await client.call('instance.ping', {}, 'past');
    expect((await fake.waitForRequest((r) => r.method === 'instance.ping')).id).toBe('past');
    const future = fake.waitForRequest((r) => r.seq > 1);
    client.send('session.list', {}, 'future');
    expect((await future).method).toBe('session.list');
    expect(await fake.waitForRequest({ method: 'session.list', id: 'future' })).toBe(fake.requests[1]);
    const missing = await fake.waitForRequest({ method: 'nothing' }, { timeoutMs: 20 }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(FakeWaitTimeoutError);
    expect((missing as Error).message).toBe(
      'nothing matched within 20 ms: waited for a request with method "nothing"; 2 requests received: instance.ping, session.list',
    );
  });

  it('decodes every method of the table in both modes without a decode failure', async () => {
    for (const mode of ['full', 'pando'] as const) {
      const fake = await start({ mode });
      const client = rpc(fake);
      const params: Record<Method, unknown> = {
        'instance.ping': {},
        'session.list': {},
        'session.get': { session_id: OLDER },
        'session.activate': { session_id: OLDER },
        'message.send': { session_id: NEWER, content: 'hi' },
        'session.interrupt': { session_id: NEWER },
        'message.list': { session_id: OLDER },
        'state.sync': {},
        'instance.info': {},
      };
      for (const method of Object.keys(MethodTable) as Method[]) {
        const reply = await client.call(method, params[method]);
        const response = decodeResponse(reply.text);
        expect(isRight(response)).toBe(true);
        if (isRight(response)) {
          const result = decodeResult(method, response.right);
          if (isLeft(result)) expect(result.left.name).toBe('RpcError'); // an error reply, never a bad result
        }
      }
    }
  });
});

describe('helpers', () => {
  it('splitIntoTokens keeps every character; truncateToolResult cuts at 512 plus ...', () => {
    expect(splitIntoTokens('  Hello, big\nworld ')).toEqual(['  ', 'Hello, ', 'big\n', 'world ']);
    expect(splitIntoTokens('')).toEqual([]);
    expect(truncateToolResult('a'.repeat(512))).toBe('a'.repeat(512));
    expect(truncateToolResult('a'.repeat(513))).toBe(`${'a'.repeat(512)}...`);
  });

  it('decodeFrame accepts what the fake publishes for every table topic it emits', async () => {
    const fake = await start({ heartbeatIntervalMs: 20, tokenIntervalMs: 0 });
    const events = await tap(fake);
    await fake.playTurn(OLDER, 'all topics');
    await fake.activateSession(OLDER);
    await fake.upsertSession({ id: 'z', title: 'z', updated_at: new Date(), message_count: 0 });
    await fake.deleteSession('z');
    await events.waitForCount('instance.heartbeat', 1);
    await fake.stop({ reason: 'done' });
    await events.waitForEvent('instance.shutdown');
    const topics = new Set(decodedAll(events).map((e) => e.topic));
    for (const frame of events.frames()) expect(isRight(decodeFrame(frame.frame))).toBe(true);
    expect([...topics].sort()).toEqual(
      [
        'instance.heartbeat',
        'instance.shutdown',
        'llm.end',
        'llm.start',
        'llm.token',
        'message.append',
        'session.activated',
        'session.deleted',
        'session.list',
        'session.update',
        'tool.end',
        'tool.start',
      ].sort(),
    );
  });
});
