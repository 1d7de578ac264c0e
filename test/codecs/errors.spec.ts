import * as t from 'io-ts';
import { isLeft, type Either } from 'fp-ts/lib/Either.js';
import { describeErrors, showValue, summarizeIssues, type DecodeIssue } from '../../src/codecs/errors.js';
import { Integer, Rfc3339Date, nullableArray } from '../../src/codecs/values.js';

const errorsOf = (result: Either<t.Errors, unknown>): t.Errors => {
  if (!isLeft(result)) throw new Error('expected a failure');
  return result.left;
};

describe('describeErrors', () => {
  const Inner = t.type({ at: Rfc3339Date, n: Integer });
  const Outer = t.intersection([
    t.type({ name: t.string, items: nullableArray(Inner) }),
    t.partial({ note: t.union([t.string, t.number]) }),
  ]);

  it('names the path from the root through arrays and objects, skipping combinator keys', () => {
    const errors = errorsOf(Outer.decode({ name: 'x', items: [{ at: '2026-01-01T00:00:00Z', n: 1 }, { at: 'soon', n: 2 }] }));
    expect(describeErrors(errors, 'payload')).toEqual([
      {
        path: 'payload.items[1].at',
        message: 'expected RFC 3339 time, got "soon" (not of the form YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hh:mm))',
      },
    ]);
  });

  it('starts a path without a leading dot when there is no root', () => {
    expect(describeErrors(errorsOf(Inner.decode({ at: '2026-01-01T00:00:00Z', n: 'one' })))).toEqual([
      { path: 'n', message: 'expected integer, got "one"' },
    ]);
  });

  it('uses the root alone for a bad root value', () => {
    expect(describeErrors(errorsOf(t.string.decode(5)), 'result')).toEqual([{ path: 'result', message: 'expected string, got 5' }]);
    expect(describeErrors(errorsOf(t.string.decode(5)))).toEqual([{ path: '', message: 'expected string, got 5' }]);
  });

  it('describes a missing value as nothing and cuts long values at 80 characters', () => {
    const issues = describeErrors(errorsOf(t.type({ a: t.string, b: t.number }).decode({ b: 'x'.repeat(100) })));
    expect(issues).toEqual([
      { path: 'a', message: 'expected string, got nothing' },
      { path: 'b', message: `expected number, got "${'x'.repeat(76)}...` },
    ]);
  });

  it('reports each failing member of a union once per member, under the same path', () => {
    const issues = describeErrors(errorsOf(Outer.decode({ name: 'x', items: null, note: true })));
    expect(issues).toEqual([
      { path: 'note', message: 'expected string, got true' },
      { path: 'note', message: 'expected number, got true' },
    ]);
  });

  it('drops duplicate lines', () => {
    const Twice = t.intersection([t.type({ a: t.string }), t.type({ a: t.string })]);
    expect(describeErrors(errorsOf(Twice.decode({ a: 1 })))).toEqual([{ path: 'a', message: 'expected string, got 1' }]);
  });
});

describe('summarizeIssues', () => {
  const a: DecodeIssue = { path: 'payload.a', message: 'expected string, got 1' };
  const b: DecodeIssue = { path: 'payload.b', message: 'expected string, got 2' };

  it('gives the first issue in full and counts the rest', () => {
    expect(summarizeIssues([a])).toBe('payload.a: expected string, got 1');
    expect(summarizeIssues([a, b])).toBe('payload.a: expected string, got 1 (and 1 more)');
    expect(summarizeIssues([a, b, b])).toBe('payload.a: expected string, got 1 (and 2 more)');
  });

  it('leaves out an empty path, and says something for no issues', () => {
    expect(summarizeIssues([{ path: '', message: 'expected string, got 1' }])).toBe('expected string, got 1');
    expect(summarizeIssues([])).toBe('invalid value');
  });
});

describe('showValue', () => {
  it('names numbers that JSON cannot hold instead of showing them as null', () => {
    expect(showValue(JSON.parse('1e400'))).toBe('Infinity (not a finite number)');
    expect(showValue(-Infinity)).toBe('-Infinity (not a finite number)');
    expect(showValue(NaN)).toBe('NaN (not a finite number)');
    expect(describeErrors(errorsOf(t.type({ a: t.string }).decode({ a: JSON.parse('1e400') })))).toEqual([
      { path: 'a', message: 'expected string, got Infinity (not a finite number)' },
    ]);
  });

  it('shows JSON, nothing for undefined, and cuts at 80 characters', () => {
    expect(showValue({ a: [1, 'x'] })).toBe('{"a":[1,"x"]}');
    expect(showValue(undefined)).toBe('nothing');
    expect(showValue('y'.repeat(100))).toBe(`"${'y'.repeat(76)}...`);
  });
});
