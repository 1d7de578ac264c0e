/**
 * Text for the terminal, before it is written: plain strings (from anywhere, the instance and
 * the registry included) and styled spans of our own. A plain string can never carry a
 * control sequence to the terminal: {@link neutralize} shows every control character as a
 * visible symbol, and only `output.ts`, the one module that writes, turns styles into colour
 * codes. Widths are display columns (CJK and emoji take two), measured by `string-width`.
 */
import stringWidth from 'string-width';

/** The styles the command uses (names of Node's `util.inspect.colors`). */
export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan' | 'magenta';

/** A span of text in one style (`styles.dim(text)`). */
export class Styled {
  constructor(
    readonly style: Style,
    readonly content: Text,
  ) {}
}

/** What the output methods take: plain strings, styled spans, and lists of both. */
export type Text = string | Styled | readonly Text[];

/** `line`: one line (newlines and tabs become spaces); `block`: newlines and tabs are kept. */
export type Layout = 'line' | 'block';

/**
 * Every character a terminal would act on rather than show: C0 controls (ESC, BEL, CR, …), DEL,
 * C1 controls (U+009B is a one-byte CSI), the bidi embeddings, overrides and isolates
 * (U+202A–U+202E, U+2066–U+2069) and marks (U+200E, U+200F, U+061C), and the Unicode line
 * and paragraph separators.
 */
const UNSAFE = /\r\n|[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` made inert for a terminal, every control shown visibly: ESC as `␛` (so `\x1b[2J`
 * prints as `␛[2J`), other C0 controls as their Control Pictures (`␇`, `␍`), DEL as `␡`, C1
 * and bidi controls as `\u009b`-style text. Newlines and tabs become spaces in a `line`, and
 * are kept in a `block`. Idempotent.
 *
 * ```ts
 * neutralize('title\u001b]0;pwned\u0007'); // 'title␛]0;pwned␇'
 * ```
 */
export const neutralize = (text: string, layout: Layout = 'line'): string =>
  text.replace(UNSAFE, (c) => {
    if (c === '\n' || c === '\r\n') return layout === 'block' ? '\n' : ' ';
    if (c === '\t') return layout === 'block' ? '\t' : ' ';
    const code = c.charCodeAt(0);
    if (code === 0x1b) return '␛';
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    if (code === 0x7f) return '␡';
    return `\\u${code.toString(16).padStart(4, '0')}`;
  });

/** A run of neutralised text and the styles it is in, outermost first. */
export interface Segment {
  readonly text: string;
  readonly styles: readonly Style[];
}

/** The segments of `text`, each neutralised for `layout`; empty ones dropped. */
export const segmentsOf = (text: Text, layout: Layout = 'line', styles: readonly Style[] = []): Segment[] => {
  if (typeof text === 'string') {
    const safe = neutralize(text, layout);
    return safe === '' ? [] : [{ text: safe, styles }];
  }
  if (text instanceof Styled) return segmentsOf(text.content, layout, [...styles, text.style]);
  return (text as readonly Text[]).flatMap((part) => segmentsOf(part, layout, styles));
};

/** The text without styles, neutralised: what the terminal will show. */
export const plainText = (text: Text, layout: Layout = 'line'): string =>
  segmentsOf(text, layout)
    .map((s) => s.text)
    .join('');

/** How many columns `text` takes on a terminal (CJK and emoji count two). */
export const displayWidth = (text: Text): number => stringWidth(plainText(text));

/** Columns of one code point: joiners and variation selectors take none. */
const codePointWidth = (char: string): number => (/^[\u200b-\u200d\ufe00-\ufe0f]$/.test(char) ? 0 : stringWidth(char));

/**
 * `text` cut to `width` columns, ending with `…` when it was cut; styles are kept (and closed)
 * across the cut.
 *
 * ```ts
 * truncate('CSV export for monthly reports', 10); // 'CSV expor…'
 * ```
 */
export const truncate = (text: Text, width: number): Text => {
  if (!Number.isFinite(width) || displayWidth(text) <= width) return text;
  let room = Math.max(0, width - 1);
  const kept: Text[] = [];
  for (const segment of segmentsOf(text)) {
    let cut = '';
    for (const char of segment.text) {
      const w = codePointWidth(char);
      if (w > room) {
        room = 0;
        break;
      }
      cut += char;
      room -= w;
    }
    if (cut !== '') kept.push(segment.styles.reduceRight<Text>((inner, style) => new Styled(style, inner), cut));
    if (room === 0) break;
  }
  return width >= 1 ? [...kept, '…'] : kept;
};

/** `text` padded with spaces after it to `width` columns. */
export const padEnd = (text: Text, width: number): Text => [text, ' '.repeat(Math.max(0, width - displayWidth(text)))];

/** `text` padded with spaces before it to `width` columns. */
export const padStart = (text: Text, width: number): Text => [' '.repeat(Math.max(0, width - displayWidth(text))), text];
