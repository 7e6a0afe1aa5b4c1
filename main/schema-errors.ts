// zod issues as the one-line messages GridRewire gives: the field named the
// way a person reads it ("positions[2].x"), then what it must be.

import type { z } from 'zod';

/** 'positions[2].x' from the path ['positions', 2, 'x']. */
export function fieldName(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

/**
 * The first issue of a failed parse: its top-level field (null for the whole
 * value) and "field 'x': message"; `under` names where the parsed value sits
 * (['config'] gives "field 'config.grid.bus'").
 */
export function firstIssue(error: z.ZodError, under: readonly PropertyKey[] = []): { top: string | null; message: string } {
  const issue = error.issues[0];
  if (!issue) return { top: null, message: 'is invalid' };
  const path = [...under, ...issue.path];
  if (path.length === 0) return { top: null, message: issue.message };
  return { top: issue.path.length ? String(issue.path[0]) : null, message: `field '${fieldName(path)}': ${issue.message}` };
}
