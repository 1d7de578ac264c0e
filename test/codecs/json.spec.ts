import * as fc from 'fast-check';
import { JsonFailure, MAX_JSON_DEPTH, parseJson } from '../../src/codecs/internal/json.js';

/** parseJson: what every decoder parses instance JSON with (src/codecs/internal/json.ts). */

const nested = (depth: number, open = '[', close = ']'): string => `${open.repeat(depth)}${close.repeat(depth)}`;

/** Every object in the value, the value included. */
const objectsIn = (value: unknown): object[] => {
  if (typeof value !== 'object' || value === null) return [];
  const inner = Array.isArray(value) ? value.flatMap(objectsIn) : Object.values(value).flatMap(objectsIn);
  return [value, ...inner];
};

describe('parseJson', () => {
  it('parses JSON as JSON.parse does, but for the __proto__ keys it drops', () => {
    /** JSON.parse's value without its own `__proto__` keys, which parseJson drops by design. */
    const withoutProto = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(withoutProto);
      if (typeof value !== 'object' || value === null) return value;
      return Object.fromEntries(Object.entries(value).filter(([key]) => key !== '__proto__').map(([key, v]) => [key, withoutProto(v)]));
    };
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        expect(parseJson(text)).toEqual(withoutProto(JSON.parse(text)));
      }),
      // fast-check does generate "__proto__" keys now and then: the case that failed once, kept.
      { numRuns: 2_000, examples: [[[{ ['__proto__']: false }]]] },
    );
  });

  it('says why text is not JSON, in the engine words', () => {
    let engine = '';
    try {
      JSON.parse('{"a":');
    } catch (e) {
      engine = (e as Error).message;
    }
    expect(parseJson('{"a":')).toEqual(new JsonFailure(`is not JSON (${engine})`));
  });

  it('drops __proto__ keys at any depth, so that no copy of the value can get a chosen prototype', () => {
    const value = parseJson(
      '{"__proto__":{"sessionId":{"evil":true}},"a":[{"__proto__":{"isAdmin":true},"b":1}],"c":{"d":{"__proto__":null,"e":2}}}',
    );
    expect(value).toEqual({ a: [{ b: 1 }], c: { d: { e: 2 } } });
    for (const object of objectsIn(value)) {
      expect(Object.prototype.hasOwnProperty.call(object, '__proto__')).toBe(false);
      expect([Object.prototype, Array.prototype]).toContain(Object.getPrototypeOf(object));
      // A copy by assignment, as io-ts and Object.assign make, keeps a plain prototype.
      expect(Object.getPrototypeOf(Object.assign({}, object))).toBe(Object.prototype);
    }
    expect((value as { isAdmin?: unknown }).isAdmin).toBeUndefined();
  });

  it('drops a __proto__ key written with escapes', () => {
    for (const key of ['\\u005f_proto__', '__pr\\u006fto__', '__\\u0070roto__', '\\u005F\\u005F\\u0070\\u0072\\u006F\\u0074\\u006F\\u005F\\u005F']) {
      expect(Object.keys(parseJson(`{"${key}":{"x":1},"a":1}`) as object)).toEqual(['a']);
    }
  });

  it('keeps the text "__proto__" where it is a value, and keys that only look alike', () => {
    expect(parseJson('{"token":"__proto__","__proto":1,"_proto__":2,"__PROTO__":3}')).toEqual({
      token: '__proto__',
      __proto: 1,
      _proto__: 2,
      __PROTO__: 3,
    });
  });

  it(`accepts ${MAX_JSON_DEPTH} levels of nesting and refuses one more, saying so`, () => {
    expect(parseJson(nested(MAX_JSON_DEPTH))).not.toBeInstanceOf(JsonFailure);
    expect(parseJson(nested(MAX_JSON_DEPTH, '{"a":', '}').replace(/\{"a":\}/, '{}'))).not.toBeInstanceOf(JsonFailure);
    expect(parseJson(nested(MAX_JSON_DEPTH + 1))).toEqual(new JsonFailure(`is nested deeper than ${MAX_JSON_DEPTH} levels`));
    expect(parseJson(`{"a":[{"b":${nested(MAX_JSON_DEPTH - 2)}}]}`)).toEqual(new JsonFailure(`is nested deeper than ${MAX_JSON_DEPTH} levels`));
    expect(parseJson(nested(100_000))).toEqual(new JsonFailure(`is nested deeper than ${MAX_JSON_DEPTH} levels`));
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const brackets = '['.repeat(2 * MAX_JSON_DEPTH);
    expect(parseJson(JSON.stringify({ text: brackets }))).toEqual({ text: brackets });
    const tricky = `"\\\\" ${'['.repeat(MAX_JSON_DEPTH)} \\" {`;
    expect(parseJson(JSON.stringify([tricky, { a: tricky }]))).toEqual([tricky, { a: tricky }]);
    expect(parseJson(`[${JSON.stringify(tricky)},${nested(MAX_JSON_DEPTH)}]`)).toBeInstanceOf(JsonFailure);
  });

  it('measures depth as the deepest point, not the number of brackets', () => {
    const wide = `[${Array.from({ length: 5 * MAX_JSON_DEPTH }, () => '[[1]]').join(',')}]`;
    expect(parseJson(wide)).not.toBeInstanceOf(JsonFailure);
  });
});
