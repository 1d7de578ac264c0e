/**
 * A lock or registry file, from its path to a decoded value: read by {@link readBoundedFile},
 * parsed, decoded by its io-ts codec. Every reason names the file and says what was wrong and
 * where ("not JSON at byte 12 (expected ':')", "pid: expected integer, got a string"), and
 * never carries the file's own bytes: a symbolic link or a hostile file cannot make discovery
 * print what it read.
 */
import type * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';
import type { DecodeIssue } from '../../codecs/errors.js';
import { findJsonSyntaxError } from './json-syntax.js';
import { readBoundedFile, type FileProblem } from './read-file.js';
import type { Owners } from './trust.js';

/** The outcome of {@link readJsonFile}. */
export type JsonFileRead<A> =
  | { readonly kind: 'ok'; readonly value: A }
  | { readonly kind: 'missing' }
  | {
      readonly kind: 'bad';
      /** `<file>: <what was wrong>`, one line, without the file's content. */
      readonly reason: string;
      readonly problem: FileProblem;
      readonly code?: string;
      readonly issues?: readonly DecodeIssue[];
    };

/** What a JSON value is, without saying what it holds: `a string`, `an integer`, `nothing`. */
const kindOf = (u: unknown): string => {
  if (u === undefined) return 'nothing';
  if (u === null) return 'null';
  if (Array.isArray(u)) return 'an array';
  switch (typeof u) {
    case 'string':
      return u === '' ? 'an empty string' : 'a string';
    case 'number':
      return Number.isInteger(u) ? 'an integer' : Number.isFinite(u) ? 'a number with a fraction' : 'a number too large for a double';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    default:
      return typeof u;
  }
};

/**
 * The issues of a failed decode, with the kind of each bad value instead of the value:
 * `pub_port: expected port (1-65535), got a string`. Paths name the codec's keys (never a key
 * of the file), so nothing of the file is repeated.
 */
const describeWithoutValues = (errors: t.Errors): DecodeIssue[] => {
  const seen = new Set<string>();
  const issues: DecodeIssue[] = [];
  for (const error of errors) {
    const path = error.context
      .slice(1)
      .map((entry) => entry.key)
      .filter((key) => key !== '')
      .map((key, i) => (/^\d+$/.test(key) ? `[${key}]` : i === 0 ? key : `.${key}`))
      .join('');
    const expected = error.context[error.context.length - 1]?.type.name ?? 'a value';
    const message = `expected ${expected}, got ${kindOf(error.value)}`;
    const line = `${path}: ${message}`;
    if (seen.has(line)) continue;
    seen.add(line);
    issues.push({ path, message });
  }
  return issues;
};

const summary = (issues: readonly DecodeIssue[]): string => {
  const first = issues[0];
  if (first === undefined) return 'invalid value';
  const head = first.path === '' ? first.message : `${first.path}: ${first.message}`;
  return issues.length === 1 ? head : `${head} (and ${issues.length - 1} more)`;
};

const utf8 = new TextDecoder('utf-8');

/**
 * Reads, parses and decodes one JSON file through the bounded reader; never throws for a
 * problem with the file. A missing file is `missing`; anything else wrong is `bad`.
 */
export const readJsonFile = <A>(file: string, codec: t.Decoder<unknown, A>, owners: Owners): JsonFileRead<A> => {
  const read = readBoundedFile(file, owners);
  if (read.kind === 'missing') return read;
  if (read.kind === 'refused') {
    return { kind: 'bad', problem: read.problem, reason: `${file}: ${read.reason}`, ...(read.code === undefined ? {} : { code: read.code }) };
  }
  const notJson = (why: string): JsonFileRead<A> => ({ kind: 'bad', problem: 'not-json', reason: `${file}: not JSON (${why})` });
  if (read.bytes.length === 0) return notJson('the file is empty');
  const syntax = findJsonSyntaxError(read.bytes);
  if (syntax !== undefined) {
    return { kind: 'bad', problem: 'not-json', reason: `${file}: not JSON at byte ${syntax.offset} (expected ${syntax.expected})` };
  }
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(read.bytes));
  } catch {
    return notJson('the parser refused it'); // its message would quote the file
  }
  const decoded = codec.decode(json);
  if (isLeft(decoded)) {
    const issues = describeWithoutValues(decoded.left);
    return { kind: 'bad', problem: 'invalid', reason: `${file}: ${summary(issues)}`, issues };
  }
  return { kind: 'ok', value: decoded.right };
};
