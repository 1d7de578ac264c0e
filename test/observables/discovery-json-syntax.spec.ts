import * as fc from 'fast-check';
import { findJsonSyntaxError } from '../../src/observables/discovery/json-syntax.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const parses = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

describe('findJsonSyntaxError', () => {
  it.each([
    '0',
    '-0.5e+10',
    ' "a\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9" ',
    'true',
    'null',
    '[]',
    '{}',
    '[1, [2, {"a": [true, false, null]}], {}]',
    '{"a": {"b": {}}, "c": []}',
    '"ü → 😀"',
  ])('accepts %p', (text) => {
    expect(findJsonSyntaxError(bytes(text))).toBeUndefined();
  });

  it.each([
    ['', 0, 'a value'],
    ['   ', 3, 'a value'],
    ['{"a" 1}', 5, "':'"],
    ['{"a": 1,}', 8, 'a key (a string)'],
    ['{a: 1}', 1, 'a key (a string)'],
    ['[1 2]', 3, "',' or ']'"],
    ['{"a": 1 "b": 2}', 8, "',' or '}'"],
    ['[1,]', 3, 'a value'],
    ['01', 1, 'the end of the text'],
    ['1.', 2, 'a digit after the decimal point'],
    ['1e', 2, 'a digit of the exponent'],
    ['-', 1, 'a digit'],
    ['tru', 3, 'true, false or null'],
    ['nul!', 3, 'true, false or null'],
    ['"abc', 4, 'the end of a string (\'"\')'],
    ['"a\nb"', 2, 'a character that is allowed in a string (a control character must be escaped)'],
    ['"\\x"', 2, 'an escape after \'\\\' (one of " \\ / b f n r t u)'],
    ['"\\u12g4"', 5, "4 hexadecimal digits after '\\u'"],
    ['{} {}', 3, 'the end of the text'],
    ['\ufeff{}', 0, 'a value'],
  ])('refuses %p at byte %i, expecting %s', (text, offset, expected) => {
    expect(findJsonSyntaxError(bytes(text))).toEqual({ offset, expected });
  });

  it('counts bytes, not characters', () => {
    expect(findJsonSyntaxError(bytes('["ü" "x"]'))).toEqual({ offset: 6, expected: "',' or ']'" });
  });

  it('walks 64 KiB of nesting without recursion', () => {
    expect(findJsonSyntaxError(bytes('['.repeat(65536)))).toEqual({ offset: 65536, expected: 'a value' });
    expect(findJsonSyntaxError(bytes(`${'['.repeat(30000)}${']'.repeat(30000)}`))).toBeUndefined();
  });

  it('agrees with JSON.parse on any JSON value', () => {
    fc.assert(fc.property(fc.json(), (text) => findJsonSyntaxError(bytes(text)) === undefined));
  });

  it('agrees with JSON.parse on any text made of JSON’s own characters', () => {
    const piece = fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', 'u', '0', '1', '-', '.', 'e', '+', ' ', 'true', 'null', '"a"', 'x', '\n');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }).map((pieces) => pieces.join('')), (text) => (findJsonSyntaxError(bytes(text)) === undefined) === parses(text)),
      { numRuns: 5000 },
    );
  });
});
