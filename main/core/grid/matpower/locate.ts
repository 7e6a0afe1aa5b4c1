// Where a row of a case's bus, gen or branch matrix stands in its text, for
// errors found after parsing (a network check names the row; the reader
// knows the line). Run only when such an error is reported.

import type { NetworkError } from '../network';
import { CaseParseError, lineColumn } from './errors';
import { readScript } from './reader';

/** Line and column (1-based) of the first element of row `row` (1-based) of `mpc.<table>`, or null when the text has no such row. */
export function rowLocation(text: string, fileName: string, table: string, row: number): { line: number; column: number } | null {
  let script;
  try {
    script = readScript(text, { file: fileName, defaultVar: 'mpc' });
  } catch {
    return null;
  }
  const a = script.assignments.find((x) => x.path === table);
  const at = a?.rowStarts[row - 1];
  return at === undefined ? null : lineColumn(text, at);
}

/** A NetworkError about a case row, placed at that row's file:line:column (other errors pass through unchanged). */
export function locateNetworkError(e: unknown, text: string, fileName: string): unknown {
  const at = (e as NetworkError | null)?.at;
  if (!(e instanceof Error) || e.name !== 'NetworkError' || !at) return e;
  const where = rowLocation(text, fileName, at.table, at.row);
  return where ? new CaseParseError(fileName, where.line, where.column, e.message) : e;
}
