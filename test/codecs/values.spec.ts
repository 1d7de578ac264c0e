import * as t from 'io-ts';
import * as fc from 'fast-check';
import { isLeft, isRight, type Either } from 'fp-ts/lib/Either.js';
import { describeErrors } from '../../src/codecs/errors.js';
import {
  GoDuration,
  Integer,
  NonEmptyString,
  Rfc3339Date,
  ZERO_TIME,
  formatGoDuration,
  formatRfc3339,
  nullableArray,
  parseGoDuration,
  parseRfc3339,
} from '../../src/codecs/values.js';

/** The decoded value, or a failure of the test that shows the decoder's complaints. */
const ok = <A>(result: Either<t.Errors, A>): A => {
  if (isLeft(result)) throw new Error(`expected success, got ${JSON.stringify(describeErrors(result.left))}`);
  return result.right;
};

/** The single message of a failed decode (`path: message` lines, root path ''). */
const failure = (result: Either<t.Errors, unknown>): string[] => {
  if (isRight(result)) throw new Error(`expected failure, got ${JSON.stringify(result.right)}`);
  return describeErrors(result.left).map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`));
};

/** Nanoseconds of a parsed duration (milliseconds are floating point). */
const nsOf = (text: string): number => {
  const ms = parseGoDuration(text);
  if (typeof ms === 'string') throw new Error(`${JSON.stringify(text)} did not parse: ${ms}`);
  return Math.round(ms * 1e6);
};

const MS_PER_DAY = 86_400_000;
/** 400 Gregorian years are exactly 146,097 days: lets Date.UTC serve as an oracle for years 1–99. */
const MS_PER_400_YEARS = 146_097 * MS_PER_DAY;
const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number =>
  Date.UTC(y + 400, mo - 1, d, h, mi, s, ms) - MS_PER_400_YEARS;

describe('Integer', () => {
  it.each([0, -1, 42, Number.MAX_SAFE_INTEGER])('accepts %p', (n) => {
    expect(ok(Integer.decode(n))).toBe(n);
  });

  it('rejects 1e400 (Infinity once parsed), saying it is not a finite number rather than "null"', () => {
    expect(failure(Integer.decode(JSON.parse('1e400')))).toEqual(['expected integer, got Infinity (not a finite number)']);
    expect(failure(Integer.decode(-Infinity))).toEqual(['expected integer, got -Infinity (not a finite number)']);
    expect(failure(t.string.decode(JSON.parse('[1e400]')[0]))).toEqual(['expected string, got Infinity (not a finite number)']);
  });

  it('rejects a fraction, saying it is not whole', () => {
    expect(failure(Integer.decode(1.5))).toEqual(['expected integer, got 1.5 (not a whole number)']);
  });

  it('rejects a numeric string and null', () => {
    expect(failure(Integer.decode('3'))).toEqual(['expected integer, got "3"']);
    expect(failure(Integer.decode(null))).toEqual(['expected integer, got null']);
  });
});

describe('NonEmptyString', () => {
  it('accepts one character', () => {
    expect(ok(NonEmptyString.decode('x'))).toBe('x');
  });

  it('rejects "" and non-strings', () => {
    expect(failure(NonEmptyString.decode(''))).toEqual(['expected non-empty string, got ""']);
    expect(failure(NonEmptyString.decode(7))).toEqual(['expected non-empty string, got 7']);
  });
});

describe('Rfc3339Date', () => {
  it.each([
    ['2026-03-01T10:20:30Z', utc(2026, 3, 1, 10, 20, 30)],
    ['2026-03-01T10:20:30.1Z', utc(2026, 3, 1, 10, 20, 30, 100)],
    ['2026-03-01T10:20:30.12Z', utc(2026, 3, 1, 10, 20, 30, 120)],
    ['2026-03-01T10:20:30.123Z', utc(2026, 3, 1, 10, 20, 30, 123)],
    ['2026-03-01T10:20:30.1234Z', utc(2026, 3, 1, 10, 20, 30, 123)],
    ['2026-03-01T10:20:30.12345Z', utc(2026, 3, 1, 10, 20, 30, 123)],
    ['2026-03-01T10:20:30.123456Z', utc(2026, 3, 1, 10, 20, 30, 123)],
    ['2026-03-01T10:20:30.1234567Z', utc(2026, 3, 1, 10, 20, 30, 123)],
    ['2026-03-01T10:20:30.12345678Z', utc(2026, 3, 1, 10, 20, 30, 123)],
    ['2026-03-01T10:20:30.123456789Z', utc(2026, 3, 1, 10, 20, 30, 123)],
    ['2026-03-01T10:20:30.999999999Z', utc(2026, 3, 1, 10, 20, 30, 999)],
  ])('accepts %s (0 to 9 fractional digits, truncated to ms)', (text, expected) => {
    expect(ok(Rfc3339Date.decode(text)).getTime()).toBe(expected);
  });

  it.each([
    ['2026-03-01T10:20:30+02:00', utc(2026, 3, 1, 8, 20, 30)],
    ['2026-03-01T10:20:30+05:30', utc(2026, 3, 1, 4, 50, 30)],
    ['2026-03-01T01:20:30-05:00', utc(2026, 3, 1, 6, 20, 30)],
    ['2026-03-01T00:30:00+01:00', utc(2026, 2, 28, 23, 30, 0)],
    ['2026-12-31T23:00:00-01:30', utc(2027, 1, 1, 0, 30, 0)],
    ['2026-03-01T10:20:30.5+00:00', utc(2026, 3, 1, 10, 20, 30, 500)],
    ['2026-03-01T10:20:30.5-00:00', utc(2026, 3, 1, 10, 20, 30, 500)],
  ])('applies the offset of %s to the instant', (text, expected) => {
    expect(ok(Rfc3339Date.decode(text)).getTime()).toBe(expected);
  });

  it('reads the zero time as year 1, not 1901', () => {
    const zero = ok(Rfc3339Date.decode('0001-01-01T00:00:00Z'));
    expect(zero.getUTCFullYear()).toBe(1);
    expect(zero.getUTCMonth()).toBe(0);
    expect(zero.getUTCDate()).toBe(1);
    expect(zero.getTime()).toBe(-62_135_596_800_000);
    expect(ZERO_TIME.getTime()).toBe(-62_135_596_800_000);
  });

  it('reads two-digit years as themselves', () => {
    expect(ok(Rfc3339Date.decode('0099-12-31T23:59:59Z')).getUTCFullYear()).toBe(99);
    expect(ok(Rfc3339Date.decode('0050-06-15T12:00:00+01:00')).getTime()).toBe(utc(50, 6, 15, 11));
  });

  it('accepts leap days of leap years only', () => {
    expect(ok(Rfc3339Date.decode('2024-02-29T00:00:00Z')).getTime()).toBe(utc(2024, 2, 29));
    expect(ok(Rfc3339Date.decode('2000-02-29T00:00:00Z')).getTime()).toBe(utc(2000, 2, 29));
    expect(failure(Rfc3339Date.decode('2023-02-29T00:00:00Z'))).toEqual([
      'expected RFC 3339 time, got "2023-02-29T00:00:00Z" (day out of range)',
    ]);
    expect(failure(Rfc3339Date.decode('1900-02-29T00:00:00Z'))).toEqual([
      'expected RFC 3339 time, got "1900-02-29T00:00:00Z" (day out of range)',
    ]);
  });

  const SHAPE = 'not of the form YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hh:mm)';
  it.each([
    ['2025-02-30T00:00:00Z', 'day out of range'],
    ['2025-04-31T00:00:00Z', 'day out of range'],
    ['2025-01-00T00:00:00Z', 'day out of range'],
    ['2025-13-01T00:00:00Z', 'month out of range'],
    ['2025-00-01T00:00:00Z', 'month out of range'],
    ['2025-01-01T24:00:00Z', 'hour out of range'],
    ['2025-01-01T23:60:00Z', 'minute out of range'],
    ['2025-01-01T23:59:60Z', 'second out of range'],
    ['2025-01-01T00:00:00+24:00', 'offset out of range'],
    ['2025-01-01T00:00:00+01:60', 'offset out of range'],
    ['2025-01-01 00:00:00Z', SHAPE],
    ['2025-01-01t00:00:00Z', SHAPE],
    ['2025-01-01T00:00:00', SHAPE],
    ['2025-01-01T00:00:00.Z', SHAPE],
    ['2025-01-01T00:00:00.1234567890Z', SHAPE],
    ['2025-01-01T00:00:00z', SHAPE],
    ['2025-01-01T00:00:00+0100', SHAPE],
    ['2025-01-01T00:00:00+01', SHAPE],
    ['2025-1-01T00:00:00Z', SHAPE],
    ['25-01-01T00:00:00Z', SHAPE],
    ['2025-01-01', SHAPE],
    [' 2025-01-01T00:00:00Z', SHAPE],
    ['2025-01-01T00:00:00Z ', SHAPE],
    ['', SHAPE],
  ])('rejects %p (%s)', (text, why) => {
    expect(failure(Rfc3339Date.decode(text))).toEqual([`expected RFC 3339 time, got ${JSON.stringify(text)} (${why})`]);
    expect(parseRfc3339(text)).toBe(why);
  });

  it('rejects non-strings, naming what came', () => {
    expect(failure(Rfc3339Date.decode(1_700_000_000))).toEqual(['expected RFC 3339 time, got 1700000000']);
    expect(failure(Rfc3339Date.decode(null))).toEqual(['expected RFC 3339 time, got null']);
    expect(failure(Rfc3339Date.decode(undefined))).toEqual(['expected RFC 3339 time, got nothing']);
  });

  it.each([
    [utc(2026, 3, 1, 10, 20, 30), '2026-03-01T10:20:30Z'],
    [utc(2026, 3, 1, 10, 20, 30, 100), '2026-03-01T10:20:30.1Z'],
    [utc(2026, 3, 1, 10, 20, 30, 120), '2026-03-01T10:20:30.12Z'],
    [utc(2026, 3, 1, 10, 20, 30, 123), '2026-03-01T10:20:30.123Z'],
    [utc(2026, 3, 1, 10, 20, 30, 5), '2026-03-01T10:20:30.005Z'],
    [-62_135_596_800_000, '0001-01-01T00:00:00Z'],
    [utc(9999, 12, 31, 23, 59, 59, 999), '9999-12-31T23:59:59.999Z'],
    [utc(42, 7, 4, 1, 2, 3), '0042-07-04T01:02:03Z'],
  ])('encodes %p as %s, in UTC with trailing zeros trimmed', (ms, text) => {
    expect(Rfc3339Date.encode(new Date(ms))).toBe(text);
    expect(formatRfc3339(new Date(ms))).toBe(text);
  });

  it('encodes an offset time back in UTC', () => {
    expect(Rfc3339Date.encode(ok(Rfc3339Date.decode('2026-03-01T10:20:30.250+05:30')))).toBe('2026-03-01T04:50:30.25Z');
  });

  it('is() accepts valid Dates only', () => {
    expect(Rfc3339Date.is(new Date(0))).toBe(true);
    expect(Rfc3339Date.is(new Date(NaN))).toBe(false);
    expect(Rfc3339Date.is('2026-03-01T10:20:30Z')).toBe(false);
  });

  it('reads every well-formed time as the instant it names (10,000 runs)', () => {
    const two = (n: number): string => String(n).padStart(2, '0');
    fc.assert(
      fc.property(
        fc.record({
          y: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(0, 4, 100, 400, 1900, 2000, 2024, 2100)),
          mo: fc.integer({ min: 1, max: 12 }),
          d: fc.integer({ min: 1, max: 31 }),
          h: fc.integer({ min: 0, max: 23 }),
          mi: fc.integer({ min: 0, max: 59 }),
          s: fc.integer({ min: 0, max: 59 }),
          frac: fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 9 }),
          offset: fc.option(fc.record({ neg: fc.boolean(), h: fc.integer({ min: 0, max: 23 }), m: fc.integer({ min: 0, max: 59 }) }), {
            nil: undefined,
          }),
        }),
        ({ y, mo, d, h, mi, s, frac, offset }) => {
          const text =
            `${String(y).padStart(4, '0')}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}:${two(s)}` +
            `${frac === '' ? '' : `.${frac}`}` +
            `${offset === undefined ? 'Z' : `${offset.neg ? '-' : '+'}${two(offset.h)}:${two(offset.m)}`}`;
          const daysInMonth = new Date(Date.UTC(2000 + (y % 400), mo, 0)).getUTCDate();
          const result = Rfc3339Date.decode(text);
          if (d > daysInMonth) {
            expect(failure(result)).toEqual([`expected RFC 3339 time, got ${JSON.stringify(text)} (day out of range)`]);
            return;
          }
          const offsetMs = offset === undefined ? 0 : (offset.neg ? -1 : 1) * (offset.h * 60 + offset.m) * 60_000;
          const ms = frac === '' ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
          expect(ok(result).getTime()).toBe(utc(y, mo, d, h, mi, s, ms) - offsetMs);
        },
      ),
      { numRuns: 10_000 },
    );
  });

  it('dates by integer day arithmetic exactly as Date.UTC does, leap years and year 0 included', () => {
    const year = fc.oneof(
      fc.integer({ min: 0, max: 9999 }),
      fc.constantFrom(0, 1, 4, 99, 100, 400, 1600, 1700, 1900, 1970, 2000, 2024, 2100, 2400, 9996, 9999),
    );
    fc.assert(
      fc.property(year, fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 }), (y, mo, d) => {
        const daysInMonth = new Date(Date.UTC(2000 + (y % 400), mo, 0)).getUTCDate();
        fc.pre(d <= daysInMonth);
        const text = `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T00:00:00Z`;
        expect((parseRfc3339(text) as Date).getTime()).toBe(utc(y, mo, d));
      }),
      { numRuns: 10_000 },
    );
  });

  it('accepts and refuses exactly what the regular expression of RFC 3339 does, with the same reasons', () => {
    // The parser this one replaced: a regular expression, then setUTCFullYear / setUTCHours.
    const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;
    const oracle = (text: string): number | string => {
      const m = RFC3339.exec(text);
      if (m === null) return 'not of the form YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hh:mm)';
      const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
      if (mo < 1 || mo > 12) return 'month out of range';
      const daysInMonth = new Date(Date.UTC(2000 + (y % 400), mo, 0)).getUTCDate();
      if (d < 1 || d > daysInMonth) return 'day out of range';
      if (h > 23) return 'hour out of range';
      if (mi > 59) return 'minute out of range';
      if (sec > 59) return 'second out of range';
      let offset = 0;
      if (m[8] === undefined) {
        if (+m[10]! > 23 || +m[11]! > 59) return 'offset out of range';
        offset = (m[9] === '-' ? -1 : 1) * (+m[10]! * 60 + +m[11]!);
      }
      const date = new Date(0);
      date.setUTCFullYear(y, mo - 1, d);
      date.setUTCHours(h, mi, sec, m[7] === undefined ? 0 : +m[7].slice(0, 3).padEnd(3, '0'));
      return date.getTime() - offset * 60_000;
    };
    const two = (n: number): string => String(n).padStart(2, '0');
    const digits = (max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: max });
    const nearlyValid = fc
      .record({
        y: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(0, 100, 1900, 2000, 2024, 2100)),
        mo: fc.integer({ min: 0, max: 13 }),
        d: fc.integer({ min: 0, max: 32 }),
        h: fc.integer({ min: 0, max: 25 }),
        mi: fc.integer({ min: 0, max: 61 }),
        sec: fc.integer({ min: 0, max: 61 }),
        frac: fc.option(digits(11), { nil: undefined }),
        zone: fc.constantFrom('Z', 'Z', 'z', '+00:00', '+01:30', '-23:59', '+24:00', '-00:60', '', '+0100', '+01:0', 'Z ', '+01:00Z'),
        t: fc.constantFrom('T', 'T', 't', ' ', '_'),
      })
      .map(
        ({ y, mo, d, h, mi, sec, frac, zone, t: sep }) =>
          `${String(y).padStart(4, '0')}-${two(mo)}-${two(d)}${sep}${two(h)}:${two(mi)}:${two(sec)}${frac === undefined ? '' : `.${frac}`}${zone}`,
      );
    const edited = fc
      .tuple(nearlyValid, fc.nat(), fc.constantFrom('', '0', '-', ':', 'T', '.', 'Z', '+', 'x', '١', '\u0000'))
      .map(([text, at, insert]) => text.slice(0, at % (text.length + 1)) + insert + text.slice((at % (text.length + 1)) + 1));
    fc.assert(
      fc.property(fc.oneof(nearlyValid, edited, fc.string({ maxLength: 40 })), (text) => {
        const parsed = parseRfc3339(text);
        expect(typeof parsed === 'string' ? parsed : parsed.getTime()).toBe(oracle(text));
      }),
      { numRuns: 20_000 },
    );
  });

  it('round-trips every millisecond instant of years 1 to 9999 (10,000 runs)', () => {
    fc.assert(
      fc.property(fc.integer({ min: utc(1, 1, 1), max: utc(9999, 12, 31, 23, 59, 59, 999) }), (ms) => {
        const text = Rfc3339Date.encode(new Date(ms));
        // An independent formatter: toISOString, with the fraction's trailing zeros trimmed.
        const iso = new Date(ms).toISOString().replace(/\.(\d*?)0*Z$/, (_, f: string) => (f === '' ? 'Z' : `.${f}Z`));
        expect(text).toBe(iso);
        expect(ok(Rfc3339Date.decode(text)).getTime()).toBe(ms);
      }),
      { numRuns: 10_000 },
    );
  });
});

describe('GoDuration', () => {
  it.each([
    ['0s', 0],
    ['0', 0],
    ['+0', 0],
    ['-0', 0],
    ['5s', 5_000],
    ['1m30s', 90_000],
    ['1h30m0s', 5_400_000],
    ['1.5s', 1_500],
    ['300ms', 300],
    ['2µs', 0.002], // U+00B5 MICRO SIGN, as Go writes it
    ['2μs', 0.002], // U+03BC GREEK SMALL LETTER MU
    ['2us', 0.002],
    ['7ns', 0.000007],
    ['-1.5s', -1_500],
    ['+5s', 5_000],
    ['1h2m3.5s', 3_723_500],
    ['1.s', 1_000], // Go accepts a '.' with no digits after it when there are digits before
    ['.5s', 500], // and digits after a '.' with none before
    ['10.5s4m', 250_500], // units in any order
  ])('decodes %p to %p ms, keeping the text', (text, ms) => {
    const decoded = ok(GoDuration.decode(text));
    expect(decoded.text).toBe(text);
    expect(decoded.ms).toBeCloseTo(ms, 9);
  });

  it('decodes "" (what Pando sends for an unknown uptime) to 0 ms, keeping ""', () => {
    expect(ok(GoDuration.decode(''))).toEqual({ ms: 0, text: '' });
  });

  it('has no negative zero', () => {
    expect(Object.is(parseGoDuration('-0s'), 0)).toBe(true);
    expect(Object.is(parseGoDuration('-0'), 0)).toBe(true);
    expect(Object.is(parseGoDuration('-0.0h0m'), 0)).toBe(true);
  });

  // Go's own table (time_test.go, parseDurationTests), exact to the nanosecond.
  it.each([
    ['5s', 5e9],
    ['30s', 30e9],
    ['1478s', 1478e9],
    ['-5s', -5e9],
    ['5.0s', 5e9],
    ['5.6s', 5.6e9],
    ['5.s', 5e9],
    ['1.004s', 1_004_000_000],
    ['1.0040s', 1_004_000_000],
    ['100.00100s', 100_001_000_000],
    ['10ns', 10],
    ['11us', 11_000],
    ['12µs', 12_000],
    ['12μs', 12_000],
    ['13ms', 13_000_000],
    ['15m', 15 * 60e9],
    ['16h', 16 * 3600e9],
    ['3h30m', 3.5 * 3600e9],
    ['-2m3.4s', -123_400_000_000],
    ['1h2m3s4ms5us6ns', 3_723_004_005_006],
    ['39h9m14.425s', 140_954_425_000_000],
    ['52763797000ns', 52_763_797_000],
    ['0.3333333333333333333h', 20 * 60e9],
    ['0.100000000000000000000h', 6 * 60e9],
  ])('parses %p as Go does (%p ns)', (text, ns) => {
    expect(nsOf(text)).toBe(ns);
  });

  it.each([
    ['5', 'unexpected "5"'],
    ['3', 'unexpected "3"'],
    ['1x', 'unknown unit "x"'],
    ['1d', 'unknown unit "d"'],
    ['1S', 'unexpected "1S"'],
    ['s', 'a unit without a number'],
    ['.s', 'a unit without a number'],
    ['+.s', 'a unit without a number'],
    ['.', 'unexpected "."'],
    ['-.', 'unexpected "."'],
    ['-', 'no number'],
    ['+', 'no number'],
    ['1h 30m', 'unexpected " 30m"'],
    ['1ms5', 'unexpected "5"'],
    [' 1s', 'unexpected " 1s"'],
    ['\uFFFD', 'unexpected "\uFFFD"'],
    ['3000000h', 'out of range'], // beyond Go's int64 nanoseconds
    ['9300000000000000000ns', 'out of range'], // (2^63 itself is lost to float rounding)
  ])('rejects %p (%s) as Go does', (text, why) => {
    expect(parseGoDuration(text)).toBe(why);
    expect(failure(GoDuration.decode(text))).toEqual([`expected Go duration, got ${JSON.stringify(text)} (${why})`]);
  });

  it('accepts the largest duration Go can hold', () => {
    expect(parseGoDuration('2562047h47m16s')).toBe(9_223_372_036_000);
  });

  it('rejects a number, naming the value', () => {
    expect(failure(GoDuration.decode(5_000))).toEqual(['expected Go duration, got 5000']);
  });

  it('encodes back to the text it was decoded from', () => {
    for (const text of ['', '0', '1.s', '2us', '2µs', '+5s', '1h30m0s', '10.5s4m']) {
      expect(GoDuration.encode(ok(GoDuration.decode(text)))).toBe(text);
    }
  });

  it('is() recognises { ms, text }', () => {
    expect(GoDuration.is({ ms: 1, text: '1ms' })).toBe(true);
    expect(GoDuration.is('1ms')).toBe(false);
    expect(GoDuration.is({ ms: '1', text: '1ms' })).toBe(false);
  });

  // Go's own table (time_test.go, durationTests) plus a few more, as Duration.String() prints.
  it.each([
    [0, '0s'],
    [1, '1ns'],
    [1_100, '1.1µs'],
    [2_200_000, '2.2ms'],
    [3_300_000_000, '3.3s'],
    [245e9, '4m5s'],
    [245_001_000_000, '4m5.001s'],
    [18_367_001_000_000, '5h6m7.001s'],
    [480_000_000_001, '8m0.000000001s'],
    [-1, '-1ns'],
    [1_000, '1µs'],
    [1_000_000, '1ms'],
    [999_999_999, '999.999999ms'],
    [1e9, '1s'],
    [60e9, '1m0s'],
    [3600e9, '1h0m0s'],
    [5_400e9, '1h30m0s'],
    [1.5e9, '1.5s'],
    [300e6, '300ms'],
    [-5_400e9, '-1h30m0s'],
    [-1.5e9, '-1.5s'],
    [3_723_500_000_000, '1h2m3.5s'],
    [100 * 3600e9, '100h0m0s'],
    [3600e9 + 1, '1h0m0.000000001s'],
  ])('formats %p ns as Go does: %p', (ns, text) => {
    expect(formatGoDuration(ns / 1e6)).toBe(text);
  });

  it('formats every whole nanosecond count to text that parses back to it (10,000 runs)', () => {
    const goDurationText = /^(0s|-?(\d+(\.\d*[1-9])?(ns|µs|ms)|(\d+h)?(\d+m)?\d+(\.\d*[1-9])?s))$/;
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: -1e6, max: 1e6 }), fc.integer({ min: -1e15, max: 1e15 }), fc.integer().map((n) => n * 1e6)),
        (ns) => {
          const text = formatGoDuration(ns / 1e6);
          expect(text).toMatch(goDurationText);
          expect(nsOf(text)).toBe(ns);
        },
      ),
      { numRuns: 10_000 },
    );
  });
});

describe('nullableArray', () => {
  const Numbers = nullableArray(Integer);

  it('decodes null (a Go nil slice) to []', () => {
    expect(ok(Numbers.decode(null))).toEqual([]);
  });

  it('decodes an array item by item', () => {
    expect(ok(Numbers.decode([1, 2]))).toEqual([1, 2]);
    expect(failure(Numbers.decode([1, 'x']))).toEqual(['[1]: expected integer, got "x"']);
  });

  it('stops at the first bad item and says how many items it left unchecked', () => {
    expect(failure(Numbers.decode([1, 'x', 'y', 2.5]))).toEqual([
      '[1]: expected integer, got "x"',
      '2 more items not checked (decoding stops at the first bad item)',
    ]);
    expect(failure(Numbers.decode([1, 2, 'x', 3]))).toEqual(['[2]: expected integer, got "x"', '1 more item not checked (decoding stops at the first bad item)']);
    const items: unknown[] = [];
    const Counted = nullableArray(
      new t.Type<number, number, unknown>('counted', Integer.is, (u, c) => (items.push(u), Integer.validate(u, c)), t.identity),
    );
    Counted.decode(['a', ...Array.from({ length: 100_000 }, () => 'b')]);
    expect(items).toEqual(['a']);
  });

  it('copies the array only when an item decodes to another value, as t.array does', () => {
    const numbers = [1, 2];
    expect(ok(Numbers.decode(numbers))).toBe(numbers);
    const times = ['2026-01-01T00:00:00Z'];
    const decoded = ok(nullableArray(Rfc3339Date).decode(times));
    expect(decoded).not.toBe(times);
    expect(decoded).toEqual([new Date('2026-01-01T00:00:00Z')]);
    expect(times).toEqual(['2026-01-01T00:00:00Z']);
  });

  it('rejects undefined and non-arrays', () => {
    expect(failure(Numbers.decode(undefined))).toEqual(['expected Array<integer> | null, got nothing']);
    expect(failure(Numbers.decode({}))).toEqual(['expected Array<integer> | null, got {}']);
  });

  it('encodes to an array, never null', () => {
    expect(Numbers.encode([])).toEqual([]);
    expect(nullableArray(Rfc3339Date).encode([new Date(0)])).toEqual(['1970-01-01T00:00:00Z']);
  });

  it('is named for the error messages', () => {
    expect(Numbers.name).toBe('Array<integer> | null');
    expect(nullableArray(Integer, 'Ints').name).toBe('Ints');
  });
});
