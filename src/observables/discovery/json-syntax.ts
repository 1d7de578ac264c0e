/**
 * Where JSON text first goes wrong, said without quoting it: the byte offset and what the
 * grammar expected there. `JSON.parse`'s own messages quote the text (`Unexpected token 'r',
 * "root:*:202"...`), which would put a file's bytes into a reason that a terminal prints.
 * Pure (no Node module); iterative, so deep nesting cannot overflow the stack.
 */

/** Where JSON text stops being JSON. */
export interface JsonSyntaxError {
  /** The offset of the first byte that does not fit, counting from 0 (the length when the text ends too early). */
  readonly offset: number;
  /** What the grammar wanted there, in words of the grammar only (never the text's own bytes). */
  readonly expected: string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;

const isSpace = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
const isDigit = (b: number): boolean => b >= 0x30 && b <= 0x39;
const isHex = (b: number): boolean => isDigit(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
/** The escapes JSON allows after a backslash, `u` aside: `" \ / b f n r t`. */
const SIMPLE_ESCAPES = new Set([QUOTE, BACKSLASH, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);
const LITERALS: ReadonlyMap<number, Uint8Array> = new Map(
  ['true', 'false', 'null'].map((word) => [word.charCodeAt(0), new TextEncoder().encode(word)] as const),
);

/**
 * The first place where `bytes` (UTF-8) is not one JSON value (RFC 8259) surrounded by
 * whitespace, or `undefined` when it is JSON.
 *
 * ```ts
 * findJsonSyntaxError(new TextEncoder().encode('{"a" 1}')); // { offset: 5, expected: "':'" }
 * ```
 */
export const findJsonSyntaxError = (bytes: Uint8Array): JsonSyntaxError | undefined => {
  const n = bytes.length;
  let i = 0;
  /** The open containers, innermost last: `[` or `{`. */
  const open: number[] = [];
  const at = (expected: string): JsonSyntaxError => ({ offset: i, expected });
  const skipSpace = (): void => {
    while (i < n && isSpace(bytes[i]!)) i++;
  };

  /** Reads a string from its opening quote; `undefined` when it is well formed. */
  const string = (): JsonSyntaxError | undefined => {
    i++; // the opening quote
    for (;;) {
      if (i >= n) return at('the end of a string (\'"\')');
      const b = bytes[i]!;
      if (b === QUOTE) {
        i++;
        return undefined;
      }
      if (b < 0x20) return at('a character that is allowed in a string (a control character must be escaped)');
      if (b !== BACKSLASH) {
        i++;
        continue;
      }
      i++;
      if (i >= n) return at('an escape after \'\\\'');
      const e = bytes[i]!;
      if (SIMPLE_ESCAPES.has(e)) {
        i++;
        continue;
      }
      if (e !== 0x75) return at('an escape after \'\\\' (one of " \\ / b f n r t u)');
      i++;
      for (let k = 0; k < 4; k++, i++) if (i >= n || !isHex(bytes[i]!)) return at('4 hexadecimal digits after \'\\u\'');
    }
  };

  const digits = (what: string): JsonSyntaxError | undefined => {
    if (i >= n || !isDigit(bytes[i]!)) return at(what);
    while (i < n && isDigit(bytes[i]!)) i++;
    return undefined;
  };

  /** Reads a number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`. */
  const number = (): JsonSyntaxError | undefined => {
    if (bytes[i] === MINUS) i++;
    if (i < n && bytes[i] === 0x30) i++;
    else {
      const bad = digits('a digit');
      if (bad !== undefined) return bad;
    }
    if (i < n && bytes[i] === DOT) {
      i++;
      const bad = digits('a digit after the decimal point');
      if (bad !== undefined) return bad;
    }
    if (i < n && (bytes[i] === 0x65 || bytes[i] === 0x45)) {
      i++;
      if (i < n && (bytes[i] === PLUS || bytes[i] === MINUS)) i++;
      const bad = digits('a digit of the exponent');
      if (bad !== undefined) return bad;
    }
    return undefined;
  };

  const literal = (word: Uint8Array): JsonSyntaxError | undefined => {
    for (let k = 0; k < word.length; k++, i++) if (i >= n || bytes[i] !== word[k]) return at('true, false or null');
    return undefined;
  };

  /** Reads a value, or opens a container; `true` when a container was opened (its contents come next). */
  const value = (): JsonSyntaxError | boolean => {
    skipSpace();
    if (i >= n) return at('a value');
    const b = bytes[i]!;
    if (b === OPEN_ARRAY || b === OPEN_OBJECT) {
      open.push(b);
      i++;
      return true;
    }
    const word = LITERALS.get(b);
    const bad = b === QUOTE ? string() : b === MINUS || isDigit(b) ? number() : word !== undefined ? literal(word) : at('a value');
    return bad ?? false;
  };

  /** After `{` or `,` in an object: a key, then `:`. */
  const key = (): JsonSyntaxError | undefined => {
    skipSpace();
    if (i >= n || bytes[i] !== QUOTE) return at('a key (a string)');
    const bad = string();
    if (bad !== undefined) return bad;
    skipSpace();
    if (i >= n || bytes[i] !== COLON) return at("':'");
    i++;
    return undefined;
  };

  // One loop: read a value (or open a container), then close containers and pass commas until
  // the next value is due.
  for (;;) {
    const read = value();
    if (typeof read !== 'boolean') return read;
    if (read) {
      // Just opened: it may close at once, an object wants a key first.
      skipSpace();
      const opened = open[open.length - 1]!;
      if (i < n && bytes[i] === (opened === OPEN_ARRAY ? CLOSE_ARRAY : CLOSE_OBJECT)) {
        open.pop();
        i++;
      } else {
        if (opened === OPEN_OBJECT) {
          const bad = key();
          if (bad !== undefined) return bad;
        }
        continue;
      }
    }
    // A value is complete: what follows it depends on the container it sits in.
    for (;;) {
      skipSpace();
      const inside = open[open.length - 1];
      if (inside === undefined) return i === n ? undefined : at('the end of the text');
      const close = inside === OPEN_ARRAY ? CLOSE_ARRAY : CLOSE_OBJECT;
      if (i < n && bytes[i] === close) {
        open.pop();
        i++;
        continue;
      }
      if (i < n && bytes[i] === COMMA) {
        i++;
        if (inside === OPEN_OBJECT) {
          const bad = key();
          if (bad !== undefined) return bad;
        }
        break;
      }
      return at(inside === OPEN_ARRAY ? "',' or ']'" : "',' or '}'");
    }
  }
};
