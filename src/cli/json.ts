/**
 * JSON text that any value can be turned into, and that is safe on a terminal: nesting deeper
 * than a bound is cut (and said so) instead of overflowing the stack, and the characters that
 * `JSON.stringify` leaves raw but a terminal acts on (DEL, C1 controls, bidi controls, line
 * separators) are written as `\uXXXX` escapes, which every JSON parser reads back unchanged.
 */

/** How deep `--json` and the one-line payloads go before cutting. Recursion this deep is safe. */
export const MAX_JSON_DEPTH = 256;

/** JSON text, and how deep it was cut (`undefined` when nothing was cut). */
export interface BoundedJson {
  readonly json: string;
  readonly cutAtDepth: number | undefined;
}

/** The string put where a subtree was cut. */
const cutMarker = (depth: number): string => `…(cut: nested deeper than ${depth} levels)`;

/**
 * `JSON.stringify(value)` for any value: objects and arrays nested deeper than `maxDepth` are
 * replaced by the string {@link cutMarker}, `undefined` and functions behave as in
 * `JSON.stringify`, bigints become their decimal text, and it never throws.
 *
 * ```ts
 * boundedJson({ a: { b: { c: 1 } } }, 2).json; // '{"a":{"b":"…(cut: nested deeper than 2 levels)"}}'
 * ```
 */
export const boundedJson = (value: unknown, maxDepth: number = MAX_JSON_DEPTH): BoundedJson => {
  let cut = false;
  const seen = new Set<object>();
  const write = (input: unknown, depth: number): string | undefined => {
    let v = input;
    if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
      try {
        v = (v as { toJSON: () => unknown }).toJSON();
      } catch {
        v = String(v);
      }
    }
    if (typeof v === 'bigint') return JSON.stringify(v.toString());
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
    if (typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
    if (v === null) return 'null';
    if (typeof v !== 'object') return undefined; // undefined, functions, symbols
    if (depth >= maxDepth || seen.has(v)) {
      cut = true;
      return JSON.stringify(seen.has(v) ? '…(cut: a cycle)' : cutMarker(maxDepth));
    }
    seen.add(v);
    try {
      if (Array.isArray(v)) return `[${v.map((item) => write(item, depth + 1) ?? 'null').join(',')}]`;
      const parts: string[] = [];
      for (const key of Object.keys(v)) {
        const text = write((v as Record<string, unknown>)[key], depth + 1);
        if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
      }
      return `{${parts.join(',')}}`;
    } finally {
      seen.delete(v);
    }
  };
  const json = write(value, 0) ?? 'null';
  return { json, cutAtDepth: cut ? maxDepth : undefined };
};

/**
 * JSON text with DEL, C1 controls (U+0080–U+009F), bidi controls and U+2028/U+2029 escaped as
 * `\uXXXX`. Safe on the whole text: these characters can only occur inside JSON strings.
 */
export const terminalSafeJson = (json: string): string =>
  json.replace(/[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
