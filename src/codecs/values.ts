import * as t from 'io-ts';

/**
 * Value codecs for what Pando's Go side writes: integers, `time.Time`, `time.Duration` text and
 * nil slices. Each failure says what was expected, so that a decode error reads
 * `payload.updated_at: expected RFC 3339 time, got "2025-02-30T00:00:00Z" (day out of range)`.
 */

const describe = (u: unknown): string => {
  if (u === undefined) return 'nothing';
  try {
    const text = JSON.stringify(u);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(u);
  }
};

/** A failure whose message names the expectation, the value, and why. */
const failWith = (name: string, u: unknown, c: t.Context, why?: string): t.Validation<never> =>
  t.failure(u, c, `expected ${name}, got ${describe(u)}${why === undefined ? '' : ` (${why})`}`);

/** A JSON integer (Go `int`, `int64`), typed as a plain `number`. */
export const Integer = new t.Type<number, number, unknown>(
  'integer',
  (u): u is number => typeof u === 'number' && Number.isInteger(u),
  (u, c) =>
    typeof u === 'number' && Number.isInteger(u)
      ? t.success(u)
      : failWith('integer', u, c, typeof u === 'number' ? 'not a whole number' : undefined),
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

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeapYear = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/**
 * Parses strict RFC 3339 as Go's `time.Time` writes it: `T` between date and time, 0 to 9
 * fractional digits, `Z` or a `±hh:mm` offset. Returns the reason on failure.
 * Fractions below a millisecond are truncated (a `Date` holds milliseconds).
 */
export const parseRfc3339 = (text: string): Date | string => {
  const m = RFC3339.exec(text);
  if (m === null) return 'not of the form YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hh:mm)';
  const year = +m[1]!;
  const month = +m[2]!;
  const day = +m[3]!;
  const hour = +m[4]!;
  const minute = +m[5]!;
  const second = +m[6]!;
  if (month < 1 || month > 12) return 'month out of range';
  const maxDay = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
  if (day < 1 || day > maxDay) return 'day out of range';
  if (hour > 23) return 'hour out of range';
  if (minute > 59) return 'minute out of range';
  if (second > 59) return 'second out of range';
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const oh = +m[10]!;
    const om = +m[11]!;
    if (oh > 23 || om > 59) return 'offset out of range';
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = m[7] === undefined ? 0 : +m[7].slice(0, 3).padEnd(3, '0');
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not (Go's zero time is year 1).
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return new Date(date.getTime() - offsetMinutes * 60_000);
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
 */
export const nullableArray = <C extends t.Mixed>(item: C, name = `Array<${item.name}> | null`) => {
  const array = t.array(item);
  return new t.Type<Array<t.TypeOf<C>>, Array<t.OutputOf<C>>, unknown>(
    name,
    array.is,
    (u, c) => (u === null ? t.success([]) : array.validate(u, c)),
    array.encode,
  );
};
