import * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';
import { showValue } from './errors.js';

/**
 * Value codecs for what Pando's Go side writes: integers, `time.Time`, `time.Duration` text and
 * nil slices. Each failure says what was expected, so that a decode error reads
 * `payload.updated_at: expected RFC 3339 time, got "2025-02-30T00:00:00Z" (day out of range)`.
 */

/** A failure whose message names the expectation, the value, and why. */
const failWith = (name: string, u: unknown, c: t.Context, why?: string): t.Validation<never> =>
  t.failure(u, c, `expected ${name}, got ${showValue(u)}${why === undefined ? '' : ` (${why})`}`);

/**
 * A JSON integer (Go `int`, `int64`), typed as a plain `number`.
 *
 * Not io-ts's `t.Int`: that one is branded (`number & Brand<IntBrand>`), so every payload a user
 * writes by hand (`{ tokens_in: 0 }` in a test, a fake instance's sessions) would need a cast,
 * and its failures would not say why a number was refused.
 */
export const Integer = new t.Type<number, number, unknown>(
  'integer',
  (u): u is number => typeof u === 'number' && Number.isInteger(u),
  (u, c) =>
    typeof u === 'number' && Number.isInteger(u)
      ? t.success(u)
      : failWith('integer', u, c, typeof u === 'number' && Number.isFinite(u) ? 'not a whole number' : undefined),
  t.identity,
);
export type Integer = t.TypeOf<typeof Integer>;

/** A string with at least one character (RPC parameters such as `session_id`). */
export const NonEmptyString = new t.Type<string, string, unknown>(
  'non-empty string',
  (u): u is string => typeof u === 'string' && u.length > 0,
  (u, c) =>
    typeof u === 'string' && u.length > 0 ? t.success(u) : failWith('non-empty string', u, c),
  t.identity,
);
export type NonEmptyString = t.TypeOf<typeof NonEmptyString>;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** Days in the months before each month of a common year. */
const DAYS_BEFORE_MONTH = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
const isLeapYear = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
/**
 * Leap years of the proleptic Gregorian calendar from year 0 to `y - 1`, plus 96 (`y` from 0
 * to 9999: shifted by 400 years so that truncating divisions are floor divisions).
 */
const leapYearsBefore = (y: number): number => (((y + 399) / 4) | 0) - (((y + 399) / 100) | 0) + (((y + 399) / 400) | 0);
const LEAP_YEARS_BEFORE_1970 = leapYearsBefore(1970);

/**
 * Days from 1970-01-01 to a date of the proleptic Gregorian calendar (year 0 to 9999, month
 * 1 to 12), by integer arithmetic. `Date.UTC` would do it too, but maps years 0 to 99 to
 * 1900 to 1999 and costs more than the whole rest of a time's parsing.
 */
const daysSinceEpoch = (year: number, month: number, day: number): number =>
  365 * (year - 1970) +
  leapYearsBefore(year) -
  LEAP_YEARS_BEFORE_1970 +
  DAYS_BEFORE_MONTH[month - 1]! +
  (month > 2 && isLeapYear(year) ? 1 : 0) +
  day -
  1;

const NOT_RFC3339 = 'not of the form YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hh:mm)';

/** Two ASCII digits at `i` as a number, or -1. */
const twoDigitsAt = (s: string, i: number): number => {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
};

/**
 * Parses strict RFC 3339 as Go's `time.Time` writes it: `T` between date and time, 0 to 9
 * fractional digits, `Z` or a `±hh:mm` offset. Returns the reason on failure.
 * Fractions below a millisecond are truncated (a `Date` holds milliseconds).
 *
 * ```ts
 * parseRfc3339('2026-03-01T10:20:30.5+01:00'); // Date 2026-03-01T09:20:30.500Z
 * parseRfc3339('2025-02-30T00:00:00Z'); // 'day out of range'
 * ```
 */
export const parseRfc3339 = (text: string): Date | string => {
  // Hand-written rather than a regular expression: every event carries a time, and this runs
  // once per event (the decode-cost benchmark, bench/decode.mjs).
  const n = text.length;
  if (
    n < 20 ||
    text.charCodeAt(4) !== 0x2d /* - */ ||
    text.charCodeAt(7) !== 0x2d ||
    text.charCodeAt(10) !== 0x54 /* T */ ||
    text.charCodeAt(13) !== 0x3a /* : */ ||
    text.charCodeAt(16) !== 0x3a
  ) {
    return NOT_RFC3339;
  }
  const century = twoDigitsAt(text, 0);
  const yy = twoDigitsAt(text, 2);
  const month = twoDigitsAt(text, 5);
  const day = twoDigitsAt(text, 8);
  const hour = twoDigitsAt(text, 11);
  const minute = twoDigitsAt(text, 14);
  const second = twoDigitsAt(text, 17);
  if ((century | yy | month | day | hour | minute | second) < 0) return NOT_RFC3339;
  let i = 19;
  let ms = 0;
  if (text.charCodeAt(19) === 0x2e /* . */) {
    // 1 to 9 digits; the first three are the milliseconds, the rest are truncated.
    i = 20;
    for (let scale = 100; ; i++, scale = (scale / 10) | 0) {
      const d = text.charCodeAt(i) - 48;
      if (!(d >= 0 && d <= 9)) break;
      ms += d * scale;
    }
    if (i === 20 || i > 29) return NOT_RFC3339;
  }
  let offsetMinutes = 0;
  let offsetOk = true;
  const zone = text.charCodeAt(i);
  if (zone === 0x5a /* Z */) {
    if (i + 1 !== n) return NOT_RFC3339;
  } else if (zone === 0x2b /* + */ || zone === 0x2d /* - */) {
    const oh = twoDigitsAt(text, i + 1);
    const om = twoDigitsAt(text, i + 4);
    if (oh < 0 || om < 0 || text.charCodeAt(i + 3) !== 0x3a || i + 6 !== n) return NOT_RFC3339;
    offsetOk = oh <= 23 && om <= 59;
    offsetMinutes = (zone === 0x2d ? -1 : 1) * (oh * 60 + om);
  } else {
    return NOT_RFC3339;
  }
  const year = century * 100 + yy;
  if (month < 1 || month > 12) return 'month out of range';
  const maxDay = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
  if (day < 1 || day > maxDay) return 'day out of range';
  if (hour > 23) return 'hour out of range';
  if (minute > 59) return 'minute out of range';
  if (second > 59) return 'second out of range';
  if (!offsetOk) return 'offset out of range';
  return new Date(
    daysSinceEpoch(year, month, day) * 86_400_000 + (hour * 60 + minute - offsetMinutes) * 60_000 + second * 1000 + ms,
  );
};

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Formats a `Date` as Go's `time.Time` marshals it (RFC 3339 in UTC, trailing zeros trimmed). */
export const formatRfc3339 = (date: Date): string => {
  const ms = date.getUTCMilliseconds();
  const fraction = ms === 0 ? '' : `.${pad(ms, 3).replace(/0+$/, '')}`;
  return (
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}` +
    `T${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}${fraction}Z`
  );
};

/** Go's zero `time.Time` (`0001-01-01T00:00:00Z`), which Pando writes for "never". */
export const ZERO_TIME: Date = parseRfc3339('0001-01-01T00:00:00Z') as Date;

/** Go `time.Time` in JSON: strict RFC 3339 text on the wire, a `Date` once decoded. */
export const Rfc3339Date = new t.Type<Date, string, unknown>(
  'RFC 3339 time',
  (u): u is Date => u instanceof Date && !Number.isNaN(u.getTime()),
  (u, c) => {
    if (typeof u !== 'string') return failWith('RFC 3339 time', u, c);
    const parsed = parseRfc3339(u);
    return typeof parsed === 'string' ? failWith('RFC 3339 time', u, c, parsed) : t.success(parsed);
  },
  formatRfc3339,
);
export type Rfc3339Date = t.TypeOf<typeof Rfc3339Date>;

/** A decoded Go duration: its length in milliseconds and the text it came from. */
export interface Duration {
  /** Length in milliseconds (fractional below a millisecond; negative durations are negative). */
  readonly ms: number;
  /** The text as Pando sent it, e.g. `1h30m0s` (or `""`, which Pando sends for "unknown"). */
  readonly text: string;
}

const UNIT_NS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  '\u00b5s': 1e3, // µ MICRO SIGN
  '\u03bcs': 1e3, // μ GREEK SMALL LETTER MU
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};
const DURATION_PART = /(\d*)(?:\.(\d*))?([a-z\u00b5\u03bc]+)/y;

/**
 * Parses Go's `time.Duration` text (`0`, `0s`, `1h30m0s`, `1.5s`, `-300ms`, `2µs`) to
 * milliseconds, as `time.ParseDuration` does. `""` is Pando's "unknown" and parses to 0.
 * Returns the reason on failure.
 */
export const parseGoDuration = (text: string): number | string => {
  if (text === '' || text === '0' || text === '+0' || text === '-0') return 0;
  let i = 0;
  let sign = 1;
  if (text[0] === '-' || text[0] === '+') {
    sign = text[0] === '-' ? -1 : 1;
    i = 1;
  }
  if (i === text.length) return 'no number';
  let ns = 0;
  while (i < text.length) {
    DURATION_PART.lastIndex = i;
    const m = DURATION_PART.exec(text);
    if (m === null) return `unexpected "${text.slice(i)}"`;
    const whole = m[1]!;
    const frac = m[2];
    const unit = m[3]!;
    if (whole === '' && (frac === undefined || frac === '')) return 'a unit without a number';
    const scale = UNIT_NS[unit];
    if (scale === undefined) return `unknown unit "${unit}"`;
    ns += (whole === '' ? 0 : +whole) * scale;
    if (frac !== undefined && frac !== '') ns += +`0.${frac}` * scale;
    i = DURATION_PART.lastIndex;
  }
  // Go's Duration is an int64 of nanoseconds: beyond ±2^63 ns (about 292 years) it is invalid.
  if (ns > 2 ** 63) return 'out of range';
  const ms = (sign * ns) / 1e6;
  return ms === 0 ? 0 : ms; // Go has no negative zero: "-0s" is 0
};

/** Formats milliseconds as Go's `Duration.String()` does (`1h30m0s`, `1.5s`, `300ms`, `0s`). */
export const formatGoDuration = (ms: number): string => {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  const ns = Math.round(Math.abs(ms) * 1e6);
  const trim = (n: number, digits: number): string => {
    const whole = Math.floor(n / 10 ** digits);
    const frac = String(n % 10 ** digits).padStart(digits, '0').replace(/0+$/, '');
    return frac === '' ? String(whole) : `${whole}.${frac}`;
  };
  if (ns < 1e3) return `${sign}${ns}ns`;
  if (ns < 1e6) return `${sign}${trim(ns, 3)}\u00b5s`;
  if (ns < 1e9) return `${sign}${trim(ns, 6)}ms`;
  const h = Math.floor(ns / 3600e9);
  const m = Math.floor((ns % 3600e9) / 60e9);
  const s = trim(ns % 60e9, 9);
  return `${sign}${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${s}s`;
};

/** Go `time.Duration` text on the wire; `{ ms, text }` once decoded (the text is kept as sent). */
export const GoDuration = new t.Type<Duration, string, unknown>(
  'Go duration',
  (u): u is Duration =>
    typeof u === 'object' && u !== null && typeof (u as Duration).ms === 'number' && typeof (u as Duration).text === 'string',
  (u, c) => {
    if (typeof u !== 'string') return failWith('Go duration', u, c);
    const parsed = parseGoDuration(u);
    return typeof parsed === 'string' ? failWith('Go duration', u, c, parsed) : t.success({ ms: parsed, text: u });
  },
  (d) => d.text,
);
export type GoDuration = t.TypeOf<typeof GoDuration>;

/**
 * An array that Go may write as `null` (a nil slice): `null` decodes to `[]`.
 * Encodes to an array, never to `null`.
 *
 * Unlike `t.array`, decoding stops at the first bad item: its issues are reported, followed by
 * one issue at the list itself that says how many items were left unchecked. A list of 200,000
 * bad items costs no more to reject than a good list costs to accept.
 *
 * ```ts
 * const Counts = nullableArray(Integer);
 * Counts.decode(null); // right([])
 * Counts.decode([1, 'x', 'y']); // left: [1]: expected integer, got "x"; and 1 more item not checked
 * ```
 */
export const nullableArray = <C extends t.Mixed>(item: C, name = `Array<${item.name}> | null`) => {
  const array = t.array(item);
  return new t.Type<Array<t.TypeOf<C>>, Array<t.OutputOf<C>>, unknown>(
    name,
    array.is,
    (u, c) => {
      if (u === null) return t.success([]);
      if (!Array.isArray(u)) return t.failure(u, c);
      // Copy on the first item that decodes to another value, as `t.array` does.
      let decoded: unknown[] = u;
      for (let i = 0; i < u.length; i++) {
        const ui: unknown = u[i];
        const result = item.validate(ui, t.appendContext(c, String(i), item, ui));
        if (isLeft(result)) {
          const unchecked = u.length - i - 1;
          if (unchecked === 0) return result;
          const rest = `${unchecked} more ${unchecked === 1 ? 'item' : 'items'} not checked (decoding stops at the first bad item)`;
          return t.failures([...result.left, { value: u, context: c, message: rest }]);
        }
        if (result.right !== ui) {
          if (decoded === u) decoded = u.slice();
          decoded[i] = result.right;
        }
      }
      return t.success(decoded as Array<t.TypeOf<C>>);
    },
    array.encode,
  );
};
