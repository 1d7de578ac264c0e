/**
 * Checks a timeout option of an operator when the operator is made: `undefined` or `Infinity`
 * means none (returned as `undefined`); otherwise a number of milliseconds >= 0, else a
 * `RangeError` that names the option and the value.
 */
export const checkTimeout = (name: string, value: number | undefined): number | undefined => {
  if (value === undefined || value === Infinity) return undefined;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new RangeError(`${name} must be a number of milliseconds >= 0 (or undefined for none), got ${String(value)}`);
  }
  return value;
};
