// Small argument checks shared by the repositories: the store is a boundary,
// so a wrong id or a malformed row gets a clear INVALID / NOT_FOUND error
// instead of a SQLite constraint message.

import { StoreError } from './errors';

export function positiveInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
    throw new StoreError('INVALID', `${what} must be a positive integer, got ${String(v)}`);
  }
  return v;
}

export function nonNegInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new StoreError('INVALID', `${what} must be a non-negative integer, got ${String(v)}`);
  }
  return v;
}

export function nonEmpty(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0) throw new StoreError('INVALID', `${what} must be a non-empty string`);
  return v;
}

export function oneOf<T extends string>(v: unknown, allowed: readonly T[], what: string): T {
  if (!allowed.includes(v as T)) throw new StoreError('INVALID', `${what} must be one of ${allowed.join(', ')}, got ${String(v)}`);
  return v as T;
}

export function notFound(what: string, id: number): StoreError {
  return new StoreError('NOT_FOUND', `${what} ${id} does not exist`);
}

/** SQLite's boolean. */
export const bool = (b: boolean): number => (b ? 1 : 0);

/** REAL columns store NaN as NULL; read NULL back as NaN. */
export const real = (v: number | null): number => (v === null ? NaN : v);
