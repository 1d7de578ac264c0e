/**
 * JSON text from an instance, parsed into what the codecs may decode: a value nested at most
 * `MAX_JSON_DEPTH` levels deep, with no `__proto__` key anywhere.
 *
 * - `JSON.parse` keeps a `"__proto__"` key as an own property; the first `Object.assign` or
 *   io-ts copy of that object turns it into the copy's prototype (an inherited `sessionId`, an
 *   `isAdmin` that is not an own key). Such keys are dropped here, once, for every decoder.
 * - A value nested 100,000 levels deep parses, then overflows the stack of whoever walks it
 *   (`JSON.stringify`, a recursive printer). It is refused here, with the depth in the reason.
 *
 * Both checks cost nearly nothing on the frames Pando sends (two substring searches; a text
 * shorter than twice the limit, or with few brackets, cannot be too deep).
 */

/** The deepest nesting of arrays and objects that a decoded value may have. */
export const MAX_JSON_DEPTH = 512;

/** Why a JSON text was refused, in words that fit after "envelope" or "reply". */
export class JsonFailure {
  constructor(
    /** E.g. `is not JSON (Unexpected token …)`, `is nested deeper than 512 levels`. */
    readonly reason: string,
  ) {}
}

/** Whether `text` has at most `max` opening brackets (`{` and `[`, in strings too). */
const opensAtMost = (text: string, max: number): boolean => {
  let count = 0;
  for (let i = text.indexOf('{'); i >= 0; i = text.indexOf('{', i + 1)) if (++count > max) return false;
  for (let i = text.indexOf('['); i >= 0; i = text.indexOf('[', i + 1)) if (++count > max) return false;
  return true;
};

/** Whether the quote at `at` is escaped (preceded by an odd number of backslashes). */
const isEscaped = (text: string, at: number): boolean => {
  let backslashes = 0;
  for (let i = at - 1; text.charCodeAt(i) === 0x5c; i--) backslashes++;
  return backslashes % 2 === 1;
};

/** Whether valid JSON text nests arrays and objects deeper than `max` levels. */
const nestsDeeperThan = (text: string, max: number): boolean => {
  // Each level takes an opening and a closing bracket: short texts and texts with few brackets
  // (every token and tool frame) need no scan.
  if (text.length <= 2 * max || opensAtMost(text, max)) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Skip the string: its brackets are text.
      let end = text.indexOf('"', i + 1);
      while (end > 0 && isEscaped(text, end)) end = text.indexOf('"', end + 1);
      if (end < 0) return false;
      i = end;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return false;
};

/**
 * A `__proto__` key written with escapes (`"\u005f_proto__"`) has one of its letters as
 * `\u005f`, `\u0070`, `\u0072`, `\u006f` or `\u0074`; Go escapes only `<`, `>`, `&`, control
 * characters and U+2028/U+2029, so this is never true of what Pando sends.
 */
const ESCAPED_PROTO_LETTER = /\\u00(?:5[fF]|6[fF]|7[024])/;

/** Whether the text may hold a `__proto__` key (a quick test on the text, before any walk). */
const mayHoldProtoKey = (text: string): boolean =>
  text.includes('__proto__') || (text.includes('\\u') && ESCAPED_PROTO_LETTER.test(text));

const hasOwn = Object.prototype.hasOwnProperty;

/** Deletes every own `__proto__` key of the value and of everything in it, without recursion. */
const dropProtoKeys = (root: unknown): void => {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (const item of value) if (typeof item === 'object' && item !== null) stack.push(item);
      continue;
    }
    const record = value as Record<string, unknown>;
    if (hasOwn.call(record, '__proto__')) delete record['__proto__'];
    for (const key of Object.keys(record)) {
      const item = record[key];
      if (typeof item === 'object' && item !== null) stack.push(item);
    }
  }
};

/**
 * Parses JSON text from an instance: the value, or a `JsonFailure` that says why not.
 * Never throws. The value has no `__proto__` key at any depth and is at most
 * `MAX_JSON_DEPTH` levels deep.
 *
 * ```ts
 * parseJson('{"__proto__":{"isAdmin":true},"a":1}'); // { a: 1 }, a plain object
 * parseJson('['.repeat(600) + ']'.repeat(600)); // JsonFailure: is nested deeper than 512 levels
 * ```
 */
export const parseJson = (text: string): unknown => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    if (e instanceof SyntaxError || !nestsDeeperThan(text, MAX_JSON_DEPTH)) {
      return new JsonFailure(`is not JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    return new JsonFailure(`is nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) return new JsonFailure(`is nested deeper than ${MAX_JSON_DEPTH} levels`);
  if (mayHoldProtoKey(text)) dropProtoKeys(value);
  return value;
};
