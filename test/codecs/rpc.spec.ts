import { isLeft, isRight, type Either } from 'fp-ts/lib/Either.js';
import { JsonRpcRequest, JsonRpcResponse as JsonRpcResponseCodec, METHODS, MethodTable, RpcErrorCode, decodeResponse, isMethod, type JsonRpcResponse, type Method, type ReplyDecodeFailure } from '../../src/codecs/rpc.js';
import { RpcArgumentError, RpcDecodeError, RpcError, RpcTimeoutError } from '../../src/observables/rpc-errors.js';
import { buildRequest, decodeResult } from '../../src/observables/rpc-request.js';

const T0 = '2026-03-01T10:20:30Z';
const T0_MS = Date.UTC(2026, 2, 1, 10, 20, 30);
const wireSession = { id: 'sess-1', title: 'Fix the build', updated_at: T0, message_count: 4 };
const session = { ...wireSession, updated_at: new Date(T0_MS) };

const right = <E, A>(result: Either<E, A>): A => {
  if (isLeft(result)) throw result.left instanceof Error ? result.left : new Error(JSON.stringify(result.left));
  return result.right;
};
const left = <E, A>(result: Either<E, A>): E => {
  if (isRight(result)) throw new Error(`expected a failure, got ${JSON.stringify(result.right)}`);
  return result.left;
};

const success = (result: unknown): JsonRpcResponse => ({ jsonrpc: '2.0', id: '1', result });
const resultOf = <M extends Method>(method: M, result: unknown) => right(decodeResult(method, success(result)));
const decodeErrorOf = (method: Method, result: unknown): RpcDecodeError => {
  const error = left(decodeResult(method, success(result)));
  expect(error).toBeInstanceOf(RpcDecodeError);
  return error as RpcDecodeError;
};

describe('the method table', () => {
  it('has the nine methods of the protocol', () => {
    expect(METHODS).toEqual([
      'instance.ping',
      'session.list',
      'session.get',
      'session.activate',
      'message.send',
      'session.interrupt',
      'message.list',
      'state.sync',
      'instance.info',
    ]);
    expect(Object.keys(MethodTable)).toEqual(METHODS);
  });

  it('knows its methods and nothing inherited', () => {
    expect(METHODS.every(isMethod)).toBe(true);
    expect(isMethod('session.rename')).toBe(false);
    expect(isMethod('toString')).toBe(false);
    expect(isMethod('__proto__')).toBe(false);
  });

  it('names the error codes', () => {
    expect(RpcErrorCode).toEqual({ ParseError: -32700, MethodNotFound: -32601, MethodFailed: -32000 });
  });
});

describe('buildRequest', () => {
  it.each([
    ['instance.ping', {}, '{}'],
    ['session.list', {}, '{}'],
    ['session.get', { session_id: 's1' }, '{"session_id":"s1"}'],
    ['session.activate', { session_id: 's1' }, '{"session_id":"s1"}'],
    ['message.send', { session_id: 's1', content: 'Hello, 世界' }, '{"session_id":"s1","content":"Hello, 世界"}'],
    ['session.interrupt', { session_id: 's1' }, '{"session_id":"s1"}'],
    ['message.list', { session_id: 's1' }, '{"session_id":"s1"}'],
    ['state.sync', {}, '{}'],
    ['state.sync', { project_id: 'p1' }, '{"project_id":"p1"}'],
    ['state.sync', { project_id: '' }, '{"project_id":""}'],
    ['instance.info', {}, '{}'],
  ] as Array<[Method, never, string]>)('writes %s %j as JSON-RPC 2.0 with the given id', (method, params, paramsJson) => {
    const request = right(buildRequest(method, params, 'req-7'));
    expect(request).toEqual({
      id: 'req-7',
      json: `{"jsonrpc":"2.0","id":"req-7","method":"${method}","params":${paramsJson}}`,
    });
    expect(right(JsonRpcRequest.decode(JSON.parse(request.json)))).toEqual({
      jsonrpc: '2.0',
      id: 'req-7',
      method,
      params: JSON.parse(paramsJson),
    });
  });

  it('writes the very text JSON.stringify writes for the request object, whatever the id', () => {
    // buildRequest writes the text around the id and params itself (it runs once per call):
    // every method name of the table must need no escaping, and an id that needs it is escaped.
    for (const method of METHODS) expect(JSON.stringify(method)).toBe(`"${method}"`);
    for (const id of ['k3-7', 'a "quoted" id', 'back\\slash', 'tab\tnew\nline', '\u0000', 'é→🙂', '\u2028']) {
      const request = right(buildRequest('session.get', { session_id: 's"1' }, id));
      expect(request.json).toBe(JSON.stringify({ jsonrpc: '2.0', id, method: 'session.get', params: { session_id: 's"1' } }));
    }
  });

  it('puts the given id in the request, as a JSON string', () => {
    const request = right(buildRequest('instance.ping', {}, 'k3-7'));
    const parsed = JSON.parse(request.json) as { id: unknown };
    expect(parsed.id).toBe('k3-7');
    expect(request.id).toBe('k3-7');
  });

  it.each(['session.get', 'session.activate', 'session.interrupt', 'message.list'] as const)(
    'rejects %s with an empty session_id, sending nothing',
    (method) => {
      const error = left(buildRequest(method, { session_id: '' }, 'r1'));
      expect(error).toBeInstanceOf(RpcArgumentError);
      expect(error.name).toBe('RpcArgumentError');
      expect(error.method).toBe(method);
      expect(error.message).toBe(`${method}: invalid arguments: params.session_id: expected non-empty string, got ""`);
      expect(error.issues).toEqual([{ path: 'params.session_id', message: 'expected non-empty string, got ""' }]);
    },
  );

  it('rejects message.send with an empty content', () => {
    const error = left(buildRequest('message.send', { session_id: 's1', content: '' }, 'r1'));
    expect(error.message).toBe('message.send: invalid arguments: params.content: expected non-empty string, got ""');
  });

  it('rejects message.send with both empty, counting them', () => {
    const error = left(buildRequest('message.send', { session_id: '', content: '' }, 'r1'));
    expect(error.message).toBe('message.send: invalid arguments: params.session_id: expected non-empty string, got "" (and 1 more)');
    expect(error.issues.map((i) => i.path)).toEqual(['params.session_id', 'params.content']);
  });

  it('rejects what only an untyped caller could pass', () => {
    const error = left(buildRequest('session.get', { session_id: 5 } as unknown as { session_id: string }, 'r1'));
    expect(error.message).toBe('session.get: invalid arguments: params.session_id: expected non-empty string, got 5');
    const missing = left(buildRequest('session.get', undefined as unknown as { session_id: string }, 'r1'));
    expect(missing.message).toBe('session.get: invalid arguments: params: expected SessionIdParams, got nothing');
  });
});

describe('decodeResponse', () => {
  it('reads a result', () => {
    expect(right(decodeResponse('{"jsonrpc":"2.0","id":"a-1","result":{"ok":true}}'))).toEqual({
      jsonrpc: '2.0',
      id: 'a-1',
      result: { ok: true },
    });
  });

  it('reads a null result (a Go nil slice) as a result', () => {
    expect(right(decodeResponse('{"jsonrpc":"2.0","id":"a-1","result":null}'))).toEqual({ jsonrpc: '2.0', id: 'a-1', result: null });
  });

  it('reads bytes, including a Node Buffer', () => {
    const text = '{"jsonrpc":"2.0","id":"ü","result":[]}';
    expect(right(decodeResponse(new TextEncoder().encode(text)))).toEqual({ jsonrpc: '2.0', id: 'ü', result: [] });
    expect(right(decodeResponse(Buffer.from(text)))).toEqual({ jsonrpc: '2.0', id: 'ü', result: [] });
  });

  it.each([
    [-32601, 'ipc: method not found', 'a-1'],
    [-32000, 'session.get: session not found', 'a-2'],
    [-32000, 'message.send: agent runner not available on this instance', 'a-3'],
    [-32700, 'parse error', ''],
  ])('reads an error %p %p with id %p', (code, message, id) => {
    const response = right(decodeResponse(JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } })));
    expect(response).toEqual({ jsonrpc: '2.0', id, error: { code, message } });
  });

  it('keeps an error data member', () => {
    expect(right(decodeResponse('{"jsonrpc":"2.0","id":"1","error":{"code":-32000,"message":"m","data":{"x":1}}}'))).toEqual({
      jsonrpc: '2.0',
      id: '1',
      error: { code: -32000, message: 'm', data: { x: 1 } },
    });
  });

  it('rejects bytes that are not UTF-8', () => {
    expect(left(decodeResponse(Uint8Array.from([0x7b, 0xff, 0x7d])))).toEqual({ reason: 'not-utf8', detail: 'reply is not valid UTF-8' });
  });

  it.each(['', 'nope', '{"jsonrpc":"2.0",', '{} {}'])('rejects %p, which is not JSON', (text) => {
    const failure = left(decodeResponse(text));
    expect(failure.reason).toBe('not-json');
    let engine = '';
    try {
      JSON.parse(text);
    } catch (e) {
      engine = (e as Error).message;
    }
    expect(failure.detail).toBe(`reply is not JSON (${engine})`);
  });

  it.each<[string, unknown, string]>([
    ['a numeric id', { jsonrpc: '2.0', id: 1, result: {} }, 'id: expected string, got 1'],
    ['no id', { jsonrpc: '2.0', result: {} }, 'id: expected string, got nothing'],
    ['an id that is null', { jsonrpc: '2.0', id: null, error: { code: -32000, message: 'm' } }, 'id: expected string, got null'],
  ])('rejects a reply with %s, without an id', (_name, reply, detail) => {
    expect(left(decodeResponse(JSON.stringify(reply)))).toEqual<ReplyDecodeFailure>({ reason: 'not-a-response', detail });
  });

  it.each<[string, unknown, string]>([
    ['neither result nor error', { jsonrpc: '2.0', id: '1' }, 'expected a "result" or an "error" member, got neither'],
    ['no jsonrpc member', { id: '1', result: {} }, 'jsonrpc: expected "2.0", got nothing'],
    ['JSON-RPC 1.0', { jsonrpc: '1.0', id: '1', result: {} }, 'jsonrpc: expected "2.0", got "1.0"'],
    ['JSON-RPC 1.0 and an error', { jsonrpc: '1.0', id: '1', error: { code: -32000, message: 'm' } }, 'jsonrpc: expected "2.0", got "1.0"'],
    ['an error without a code', { jsonrpc: '2.0', id: '1', error: { message: 'm' } }, 'error.code: expected integer, got nothing'],
    ['an error with a string code', { jsonrpc: '2.0', id: '1', error: { code: '-32000', message: 'm' } }, 'error.code: expected integer, got "-32000"'],
    ['an error without a message', { jsonrpc: '2.0', id: '1', error: { code: -32000 } }, 'error.message: expected string, got nothing'],
    ['an error that is a string', { jsonrpc: '2.0', id: '1', error: 'boom' }, 'error: expected { code: integer, message: string }, got "boom" (and 1 more)'],
  ])('rejects a reply with %s, and keeps its id so that its call can fail at once', (_name, reply, detail) => {
    expect(left(decodeResponse(JSON.stringify(reply)))).toEqual<ReplyDecodeFailure>({ reason: 'not-a-response', detail, id: '1' });
  });

  it('says that an error code of 1e400 is not a finite number (not "got null")', () => {
    expect(left(decodeResponse('{"jsonrpc":"2.0","id":"1","error":{"code":1e400,"message":"m"}}'))).toEqual<ReplyDecodeFailure>({
      reason: 'not-a-response',
      detail: 'error.code: expected integer, got Infinity (not a finite number)',
      id: '1',
    });
  });

  it('says how deep a reply nested too deep is, instead of failing on the stack', () => {
    const deep = `{"jsonrpc":"2.0","id":"1","result":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(left(decodeResponse(deep))).toEqual<ReplyDecodeFailure>({ reason: 'not-json', detail: 'reply is nested deeper than 512 levels' });
    const justDeepEnough = `{"jsonrpc":"2.0","id":"1","result":${'['.repeat(511)}${']'.repeat(511)}}`;
    expect(right(decodeResponse(justDeepEnough)).id).toBe('1');
    const oneTooDeep = `{"jsonrpc":"2.0","id":"1","result":${'['.repeat(512)}${']'.repeat(512)}}`;
    expect(left(decodeResponse(oneTooDeep)).reason).toBe('not-json');
  });

  it.each(['[1]', '5', 'null'])('rejects %s, which is not an object', (text) => {
    expect(left(decodeResponse(text))).toEqual({ reason: 'not-a-response', detail: `expected JsonRpcErrorResponse, got ${text} (and 1 more)` });
  });

  it('reads "error": null beside a result as a result', () => {
    expect(right(decodeResponse('{"jsonrpc":"2.0","id":"1","error":null,"result":3}'))).toMatchObject({ id: '1', result: 3 });
  });

  it('rejects "error": null without a result, as a bad error', () => {
    expect(left(decodeResponse('{"jsonrpc":"2.0","id":"1","error":null}'))).toEqual({
      reason: 'not-a-response',
      detail: 'error: expected { code: integer, message: string }, got null (and 1 more)',
      id: '1',
    });
  });
});

describe('decodeResponse, fast path', () => {
  const replies = [
    '{"jsonrpc":"2.0","id":"k-1","result":{"status":"ok"}}',
    '{"jsonrpc":"2.0","id":"","result":null}',
    '{"jsonrpc":"2.0","id":"k-2","result":[1,2],"extra":true}',
    '{"result":0,"id":"k-3","jsonrpc":"2.0"}',
  ];

  it('decodes a success reply to what the union codec gives, without running the union', () => {
    const union = jest.spyOn(JsonRpcResponseCodec, 'decode');
    try {
      const fast = replies.map((reply) => right(decodeResponse(reply)));
      expect(union).not.toHaveBeenCalled();
      union.mockRestore();
      expect(fast).toEqual(replies.map((reply) => right(JsonRpcResponseCodec.decode(JSON.parse(reply)))));
    } finally {
      union.mockRestore();
    }
  });

  it('leaves error replies and anything that is not a success reply to the codec, with its reports', () => {
    const union = jest.spyOn(JsonRpcResponseCodec, 'decode');
    try {
      expect(right(decodeResponse('{"jsonrpc":"2.0","id":"e","error":{"code":-32000,"message":"x"}}'))).toEqual({
        jsonrpc: '2.0',
        id: 'e',
        error: { code: -32000, message: 'x' },
      });
      // Both members: the union reads it as the error reply it also is.
      expect('error' in right(decodeResponse('{"jsonrpc":"2.0","id":"r","result":1,"error":{"code":1,"message":"m"}}'))).toBe(true);
      expect(left(decodeResponse('{"jsonrpc":"2.0","id":7,"result":1}')).reason).toBe('not-a-response');
      expect(left(decodeResponse('{"jsonrpc":"2.0","id":"n"}')).id).toBe('n');
      expect(union).toHaveBeenCalledTimes(4);
    } finally {
      union.mockRestore();
    }
  });
});

describe('decodeResult', () => {
  it('turns an error reply into an RpcError with code, message and method', () => {
    const error = left(decodeResult('session.get', { jsonrpc: '2.0', id: '1', error: { code: -32000, message: 'session.get: session not found' } }));
    expect(error).toBeInstanceOf(RpcError);
    const rpc = error as RpcError;
    expect(rpc.name).toBe('RpcError');
    expect(rpc.code).toBe(RpcErrorCode.MethodFailed);
    expect(rpc.rpcMessage).toBe('session.get: session not found');
    expect(rpc.method).toBe('session.get');
    expect(rpc.data).toBeUndefined();
    expect(rpc.message).toBe('session.get failed with -32000: session.get: session not found');
  });

  it('says -32601 for state.sync as current builds do, keeping data', () => {
    const rpc = left(
      decodeResult('state.sync', { jsonrpc: '2.0', id: '1', error: { code: -32601, message: 'ipc: method not found', data: 'x' } }),
    ) as RpcError;
    expect(rpc.code).toBe(RpcErrorCode.MethodNotFound);
    expect(rpc.data).toBe('x');
    expect(rpc.message).toBe('state.sync failed with -32601: ipc: method not found');
  });

  describe('instance.ping', () => {
    it('decodes uptime to { ms, text }', () => {
      expect(resultOf('instance.ping', { status: 'ok', instance_id: 'inst-1', uptime: '1h30m0s' })).toEqual({
        status: 'ok',
        instance_id: 'inst-1',
        uptime: { ms: 5_400_000, text: '1h30m0s' },
      });
    });

    it('rejects another status', () => {
      const error = decodeErrorOf('instance.ping', { status: 'degraded', instance_id: 'i', uptime: '1s' });
      expect(error.path).toBe('result.status');
      expect(error.message).toBe('instance.ping returned an unexpected result: result.status: expected "ok", got "degraded"');
    });
  });

  describe('session.list', () => {
    it('decodes a bare array of sessions', () => {
      expect(resultOf('session.list', [wireSession, { ...wireSession, id: 'sess-2', updated_at: '2026-03-01T11:20:30+01:00' }])).toEqual([
        session,
        { ...session, id: 'sess-2' },
      ]);
    });

    it('decodes null (a Go nil slice) to []', () => {
      expect(resultOf('session.list', null)).toEqual([]);
    });

    it('names the path of a wrong value', () => {
      const error = decodeErrorOf('session.list', [wireSession, { ...wireSession, message_count: '4' }]);
      expect(error.name).toBe('RpcDecodeError');
      expect(error.method).toBe('session.list');
      expect(error.path).toBe('result[1].message_count');
      expect(error.message).toBe('session.list returned an unexpected result: result[1].message_count: expected integer, got "4"');
    });

    it('rejects an object where the array goes', () => {
      const error = decodeErrorOf('session.list', { sessions: [] });
      expect(error.path).toBe('result');
      expect(error.message).toBe('session.list returned an unexpected result: result: expected Session[] | null, got {"sessions":[]}');
    });
  });

  describe('session.get', () => {
    it('decodes a Session, keeping extra keys', () => {
      expect(resultOf('session.get', { ...wireSession, model: 'x' })).toEqual({ ...session, model: 'x' });
    });

    it('rejects a bad time', () => {
      expect(decodeErrorOf('session.get', { ...wireSession, updated_at: '2023-02-29T00:00:00Z' }).message).toBe(
        'session.get returned an unexpected result: result.updated_at: expected RFC 3339 time, got "2023-02-29T00:00:00Z" (day out of range)',
      );
    });
  });

  describe.each(['session.activate', 'message.send', 'session.interrupt'] as const)('%s', (method) => {
    it('decodes { ok: true }', () => {
      expect(resultOf(method, { ok: true })).toEqual({ ok: true });
    });

    it('rejects { ok: false }', () => {
      expect(decodeErrorOf(method, { ok: false }).message).toBe(
        `${method} returned an unexpected result: result.ok: expected true, got false`,
      );
    });
  });

  describe('message.list', () => {
    it('decodes messages with created_at as a Date', () => {
      const wire = [
        { id: 'm1', role: 'user', content: 'hi', created_at: T0 },
        { id: 'm2', role: 'tool', content: '', created_at: '0001-01-01T00:00:00Z' },
      ];
      expect(resultOf('message.list', wire)).toEqual([
        { id: 'm1', role: 'user', content: 'hi', created_at: new Date(T0_MS) },
        { id: 'm2', role: 'tool', content: '', created_at: new Date(-62_135_596_800_000) },
      ]);
    });

    it('decodes null to []', () => {
      expect(resultOf('message.list', null)).toEqual([]);
    });

    it('names the path of a wrong value', () => {
      expect(decodeErrorOf('message.list', [{ id: 'm1', role: 'user', content: 'hi', created_at: 0 }]).path).toBe(
        'result[0].created_at',
      );
    });
  });

  describe('state.sync', () => {
    it('decodes a snapshot', () => {
      expect(resultOf('state.sync', { sessions: [wireSession], active_session_id: 'sess-1', instance_id: 'inst-1' })).toEqual({
        sessions: [session],
        active_session_id: 'sess-1',
        instance_id: 'inst-1',
      });
    });

    it('decodes sessions: null to [] and leaves an omitted active_session_id absent', () => {
      const result = resultOf('state.sync', { sessions: null, instance_id: 'inst-1' });
      expect(result).toEqual({ sessions: [], instance_id: 'inst-1' });
      expect('active_session_id' in result).toBe(false);
    });

    it('names a nested path', () => {
      expect(decodeErrorOf('state.sync', { sessions: [wireSession, { ...wireSession, id: 7 }], instance_id: 'i' }).path).toBe(
        'result.sessions[1].id',
      );
    });
  });

  describe('instance.info', () => {
    it.each([{ version: '1.2.3', features: ['acp'] }, null, 'text', 7])('passes %p through', (info) => {
      expect(resultOf('instance.info', info)).toEqual(info);
    });
  });
});

describe('the params codecs of the table', () => {
  it.each<[Method, unknown, boolean]>([
    ['instance.ping', {}, true],
    ['instance.ping', { extra: 1 }, true],
    ['instance.ping', null, false],
    ['session.get', { session_id: 'x' }, true],
    ['session.get', {}, false],
    ['message.send', { session_id: 'x', content: 'y' }, true],
    ['message.send', { session_id: 'x' }, false],
    ['state.sync', {}, true],
    ['state.sync', { project_id: 3 }, false],
  ])('%s accepts %j: %p', (method, params, valid) => {
    expect(isRight(MethodTable[method].params.decode(params))).toBe(valid);
  });
});

describe('RpcTimeoutError', () => {
  it('names the method and the timeout', () => {
    const error = new RpcTimeoutError('session.list', 10_000);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('RpcTimeoutError');
    expect(error.method).toBe('session.list');
    expect(error.timeoutMs).toBe(10_000);
    expect(error.message).toBe('session.list got no reply within 10000 ms (the request was never sent)');
    expect(error.sent).toBe(false);
  });
});

describe('hostile replies', () => {
  /** The decoded result of a reply text, through decodeResponse then decodeResult. */
  const resultOfReply = <M extends Method>(method: M, text: string) => right(decodeResult(method, right(decodeResponse(text))));
  const PLAIN = new Set<unknown>([Object.prototype, Array.prototype, Date.prototype]);
  const expectPlain = (value: unknown): void => {
    if (typeof value !== 'object' || value === null) return;
    expect(PLAIN.has(Object.getPrototypeOf(value))).toBe(true);
    expect(Object.prototype.hasOwnProperty.call(value, '__proto__')).toBe(false);
    for (const item of Object.values(value)) expectPlain(item);
  };
  const wire = JSON.stringify(wireSession).slice(0, -1);

  it('__proto__ in session.list items cannot give them a prototype', () => {
    const sessions = resultOfReply('session.list', `{"jsonrpc":"2.0","id":"1","result":[${wire},"__proto__":{"isAdmin":true}}]}`);
    expect(sessions).toEqual([session]);
    expect((sessions[0] as unknown as Record<string, unknown>)['isAdmin']).toBeUndefined();
    expect(typeof sessions[0]!.hasOwnProperty).toBe('function');
    expectPlain(sessions);
  });

  it('__proto__ in a state.sync result cannot set active_session_id', () => {
    const sync = resultOfReply('state.sync', `{"jsonrpc":"2.0","id":"1","result":{"instance_id":"i","sessions":[${wire}}],"__proto__":{"active_session_id":"evil"}}}`);
    expect(sync.active_session_id).toBeUndefined();
    expect('active_session_id' in sync).toBe(false);
    expectPlain(sync);
  });

  it('__proto__ at the reply level cannot make an error reply look like a result', () => {
    const reply = right(decodeResponse('{"jsonrpc":"2.0","id":"1","__proto__":{"result":{"ok":true}},"error":{"code":-32000,"message":"m","__proto__":{"data":1}}}'));
    expect('result' in reply).toBe(false);
    expect(reply).toEqual({ jsonrpc: '2.0', id: '1', error: { code: -32000, message: 'm' } });
    expectPlain(reply);
  });

  it('a session.list of 200,000 bad items is refused at its first bad item (so at about the cost of a good one)', () => {
    const bad = `{"jsonrpc":"2.0","id":"1","result":[${Array.from({ length: 200_000 }, (_, i) => `{"n":${i % 10}}`).join(',')}]}`;
    // Before, every item was checked (20 to 60 times the cost of a good list, measured); the
    // cost itself is for benchmarks: here, that it stops and says how much it did not check.
    const error = left(decodeResult('session.list', right(decodeResponse(bad)))) as RpcDecodeError;
    expect(error.message).toBe('session.list returned an unexpected result: result[0].id: expected string, got nothing (and 4 more)');
    expect(error.issues).toHaveLength(5);
    expect(error.issues[4]).toEqual({ path: 'result', message: '199999 more items not checked (decoding stops at the first bad item)' });
  });
});
