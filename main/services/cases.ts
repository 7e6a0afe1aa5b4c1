// Reading case and change-table files from disk (the only file I/O for them).

import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Case, ChangeTable } from '../core/grid/case';
import { parseMatpower, parseChangeTable, CaseParseError } from '../core/grid/matpower';

/** Largest case file we accept; the biggest real cases are a few tens of MB. */
export const MAX_CASE_BYTES = 256 * 1024 * 1024;

export function readCaseText(path: string): string {
  let size: number;
  try {
    const st = statSync(path);
    // Else readFileSync fails with an EISDIR that names no path.
    if (st.isDirectory()) throw new CaseParseError(basename(path), 0, 0, `cannot read '${path}': it is a folder, not a case file`);
    size = st.size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; // EACCES, ENOTDIR, ...: the adapter says which, with the path
    throw new CaseParseError(basename(path), 0, 0, `cannot read '${path}': no such file`);
  }
  if (size > MAX_CASE_BYTES) throw new CaseParseError(basename(path), 0, 0, `'${path}' is ${size} bytes, more than the ${MAX_CASE_BYTES} a case file may have`);
  return readFileSync(path, 'utf8');
}

export function loadCaseFile(path: string): { text: string; case: Case } {
  const text = readCaseText(path);
  return { text, case: parseMatpower(text, basename(path)) };
}

export function loadChangeTableFile(path: string): { text: string; table: ChangeTable } {
  const text = readCaseText(path);
  return { text, table: parseChangeTable(text, basename(path)) };
}
