// contingenciesFromTable: a contingency table (contab_*.m) read as outage
// lists. Each change set must only take branches or generators out of
// service: CT_TBRCH rows setting BR_STATUS to 0, CT_TGEN rows setting
// GEN_STATUS to 0, with CT_REP.

import type { Case, ChangeTable } from '../case';
import { ChangeTableError } from './errors';
import { CT_REP, CT_TBRCH, CT_TGEN } from './idx-ct';

/** 1-based column numbers as a change table holds them. */
const BR_STATUS_COL = 11, GEN_STATUS_COL = 8;

export interface Contingency {
  label: number;
  /** 1-based rows of case.branch taken out, in table order. */
  branches: number[];
  /** 1-based rows of case.gen taken out, in table order. */
  gens: number[];
}

export function contingenciesFromTable(c: Case, t: ChangeTable): Contingency[] {
  const byLabel = new Map<number, Contingency>();
  t.rows.forEach((r, i) => {
    const where = `change table ${t.name}, row ${i + 1} (label ${r.label})`;
    let k = byLabel.get(r.label);
    if (!k) { k = { label: r.label, branches: [], gens: [] }; byLabel.set(r.label, k); }
    const isBranch = r.table === CT_TBRCH && r.col === BR_STATUS_COL;
    const isGen = r.table === CT_TGEN && r.col === GEN_STATUS_COL;
    if (!(isBranch || isGen) || r.chgtype !== CT_REP || r.newval !== 0) {
      throw new ChangeTableError(`${where} is not an outage: a contingency row must be CT_TBRCH .. BR_STATUS CT_REP 0 ` +
        'or CT_TGEN .. GEN_STATUS CT_REP 0');
    }
    const n = isBranch ? c.branch.length : c.gen.length;
    const what = isBranch ? 'branch' : 'gen';
    if (r.row === 0) throw new ChangeTableError(`${where} takes out every ${what} (row 0); that is not a contingency`);
    if (!(Number.isInteger(r.row) && r.row >= 1 && r.row <= n)) {
      throw new ChangeTableError(`${where} refers to ${what} row ${r.row}, but case ${c.name} has ${n} ${what} rows; ` +
        'is the table meant for another case?');
    }
    const list = isBranch ? k.branches : k.gens;
    if (!list.includes(r.row)) list.push(r.row);
  });
  return [...byLabel.values()];
}
