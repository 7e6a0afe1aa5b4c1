// Typed reads of parsed flags for the surrogate commands.

import { UsageError, type Parsed } from './args';

export function intFlag(flags: Parsed['flags'], name: string, min: number): number | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new UsageError(`--${name} needs a whole number of at least ${min}, got ${v}`);
  return v;
}

export function numFlag(flags: Parsed['flags'], name: string, min: number, max = Infinity): number {
  const v = flags[name];
  if (typeof v !== 'number' || !(v >= min && v <= max)) throw new UsageError(`--${name} needs a number${max < Infinity ? ` in [${min}, ${max}]` : ` of at least ${min}`}, got ${v}`);
  return v;
}

export function choiceFlag<T extends string>(flags: Parsed['flags'], name: string, choices: readonly T[]): T | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  if (!choices.includes(v as T)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got '${v}'`);
  return v as T;
}
