import type * as t from 'io-ts';

/** One thing that was wrong with a decoded value: where (an io-ts path) and what. */
export interface DecodeIssue {
  /** Where the bad value sits, e.g. `payload.sessions[2].updated_at` (`''` for the root). */
  readonly path: string;
  /** What was expected and what came, e.g. `expected string, got 42`. */
  readonly message: string;
}

const COMBINATORS = new Set(['IntersectionType', 'UnionType', 'RefinementType', 'ReadonlyType', 'ExactType']);

/**
 * A value as a decode error shows it: JSON cut at 80 characters, `nothing` for a missing value,
 * and a number that JSON cannot hold (`1e400` parses to `Infinity`) named as such rather than
 * shown as the `null` that `JSON.stringify` would write.
 */
export const showValue = (u: unknown): string => {
  if (u === undefined) return 'nothing';
  if (typeof u === 'number' && !Number.isFinite(u)) return `${u} (not a finite number)`;
  try {
    const text = JSON.stringify(u);
    if (text === undefined) return String(u);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(u);
  }
};

/** The path of one io-ts error, without the keys that combinators (intersection, union) add. */
const pathOf = (context: t.Context, root: string): string => {
  let path = root;
  for (let i = 1; i < context.length; i++) {
    const parent = context[i - 1]!.type as t.Mixed & { readonly _tag?: string };
    if (parent._tag !== undefined && COMBINATORS.has(parent._tag)) continue;
    const key = context[i]!.key;
    path += /^\d+$/.test(key) ? `[${key}]` : path === '' ? key : `.${key}`;
  }
  return path;
};

/**
 * Turns io-ts errors into issues that say where and what: `payload.session_id: expected string,
 * got 42`. `root` names the value that was decoded (e.g. `payload`); `''` for none.
 */
export const describeErrors = (errors: t.Errors, root = ''): DecodeIssue[] => {
  const seen = new Set<string>();
  const issues: DecodeIssue[] = [];
  for (const error of errors) {
    const last = error.context[error.context.length - 1];
    const path = pathOf(error.context, root);
    const message = error.message ?? `expected ${last?.type.name ?? 'a value'}, got ${showValue(error.value)}`;
    const line = `${path}: ${message}`;
    if (seen.has(line)) continue;
    seen.add(line);
    issues.push({ path, message });
  }
  return issues;
};

/** One line for a list of issues: the first in full, then how many more. */
export const summarizeIssues = (issues: readonly DecodeIssue[]): string => {
  if (issues.length === 0) return 'invalid value';
  const first = issues[0]!;
  const head = first.path === '' ? first.message : `${first.path}: ${first.message}`;
  return issues.length === 1 ? head : `${head} (and ${issues.length - 1} more)`;
};
