import { InvalidArgumentError } from 'commander';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration of the command line in ms: a whole number with a unit, `ms`, `s`, `m`, `h` or
 * `d` (`90s`, `15m`, `2h`, `7d`); throws commander's `InvalidArgumentError` for anything else.
 *
 * ```ts
 * parseDuration('15m'); // 900000
 * ```
 */
export const parseDuration = (value: string): number => {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(value.trim());
  const ms = match === null ? 0 : Number(match[1]) * UNIT_MS[match[2]!]!;
  if (!(ms > 0) || !Number.isSafeInteger(ms)) throw new InvalidArgumentError('expected a duration such as 90s, 15m, 2h or 7d');
  return ms;
};
