// parseChangeTable: a MATPOWER change table file (`function chgtab = name`,
// `define_constants;`, `chgtab = [ label prob table row col chgtype newval; ... ]`)
// -> ChangeTable. Rows are checked for the shape apply_changes relies on;
// whether a row fits a particular case is checked when it is applied.

import type { ChangeRow, ChangeTable } from '../case';
import { errorAt } from './errors';
import { CT_ADD, CT_REP, CT_TAREAGENCOST, CT_TBUS } from './idx-ct';
import { elementOffset, readScript } from './reader';

export function parseChangeTable(text: string, fileName = 'chgtab.m'): ChangeTable {
  const script = readScript(text, { file: fileName, defaultVar: 'chgtab' });
  const fail = (offset: number, reason: string): never => { throw errorAt(text, fileName, offset, reason); };
  const out = script.outVar;

  const a = script.assignments.find((x) => x.path === '');
  const other = script.assignments.find((x) => x.path !== '');
  if (other) {
    fail(other.at, `${out}.${other.path} is a field assignment, as in a case file; a change table file assigns ` +
      `only "${out} = [ label prob table row col chgtype newval; ... ]". Is this a case rather than a change table?`);
  }
  if (!a) {
    fail(text.length, script.assignments.length === 0 && script.name === null
      ? `the file is empty: no change table (expected "${out} = [ label prob table row col chgtype newval; ... ]")`
      : `${out} is never assigned (expected "${out} = [ label prob table row col chgtype newval; ... ]")`);
  }
  const tab = a as NonNullable<typeof a>;
  if (tab.value.kind !== 'matrix') fail(tab.valueAt, `${out} must be a numeric matrix [ ... ]`);
  const m = (tab.value as { rows: number[][] }).rows;
  if (m.length > 0 && m[0].length < 7) {
    fail(tab.rowStarts[0], `${out} rows have ${m[0].length} columns; a change row needs 7 ` +
      '(label prob table row col chgtype newval)');
  }

  // Offset of value k of row i, to place an error (one closure, not one per row).
  let i = 0;
  const at = (k: number) => elementOffset(text, tab.rowStarts[i], k);
  const [minTable, maxTable, minType, maxType] = [CT_TBUS, CT_TAREAGENCOST, CT_REP, CT_ADD];
  const rows: ChangeRow[] = new Array(m.length);
  for (; i < m.length; i++) {
    const r = m[i];
    const label = r[0], prob = r[1], table = r[2], row = r[3], col = r[4], chgtype = r[5], newval = r[6];
    if (!(Number.isInteger(label) && label > 0)) fail(at(0), `${out} row ${i + 1}: label ${label} must be a positive integer`);
    if (!Number.isFinite(prob)) fail(at(1), `${out} row ${i + 1}: probability ${prob} must be a finite number`);
    if (!(Number.isInteger(table) && table >= minTable && table <= maxTable)) {
      fail(at(2), `${out} row ${i + 1}: table ${table} is not one of CT_TBUS (1) ... CT_TAREAGENCOST (10)`);
    }
    if (!(Number.isInteger(row) && row >= 0)) {
      fail(at(3), `${out} row ${i + 1}: row ${row} must be a non-negative integer (0 = all rows, or an area number)`);
    }
    if (!Number.isInteger(col)) fail(at(4), `${out} row ${i + 1}: column ${col} must be an integer`);
    if (!(Number.isInteger(chgtype) && chgtype >= minType && chgtype <= maxType)) {
      fail(at(5), `${out} row ${i + 1}: change type ${chgtype} is not CT_REP (1), CT_REL (2) or CT_ADD (3)`);
    }
    if (Number.isNaN(newval)) fail(at(6), `${out} row ${i + 1}: the new value is NaN`);
    rows[i] = { label, prob, table, row, col, chgtype, newval };
  }
  return { name: script.name ?? baseName(fileName), rows };
}

function baseName(file: string): string {
  const b = file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
  return b.endsWith('.m') ? b.slice(0, -2) : b || 'chgtab';
}
