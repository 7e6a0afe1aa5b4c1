// applyChanges: one change set of a MATPOWER change table applied to a Case,
// as MATPOWER's apply_changes does (rows of the set in table order), with
// load rows following scale_load. The input Case is never modified: bus, gen
// and branch are copied, the other fields are shared with it.

import type { Case, ChangeRow, ChangeTable } from '../case';
import { BUS_AREA, BUS_I, GEN_BUS, GEN_STATUS, PD, PG, PMAX, PMIN, QD, QG, QMAX, QMIN, ZONE, F_BUS, T_BUS } from '../idx';
import { ChangeTableError } from './errors';
import {
  CT_ADD, CT_LOAD_ALL_PQ, CT_LOAD_DIS_P, CT_REL, CT_REP, CT_TAREABRCH, CT_TAREABUS, CT_TAREAGEN,
  CT_TAREAGENCOST, CT_TAREALOAD, CT_TBRCH, CT_TBUS, CT_TGEN, CT_TGENCOST, CT_TLOAD,
} from './idx-ct';

// Columns (1-based, as in a change table) apply_changes lets a row modify.
const BUS_CHANGEABLE = new Set([3, 4, 5, 6, 12, 13]);                  // PD QD GS BS VMAX VMIN
const BRANCH_CHANGEABLE = new Set([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]); // BR_R ... ANGMAX
const GEN_CHANGEABLE = new Set([4, 5, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]); // QMAX QMIN GEN_STATUS PMAX PMIN PC1 ... APF

const TABLE_NAMES: { [t: number]: string } = {
  [CT_TBUS]: 'CT_TBUS', [CT_TGEN]: 'CT_TGEN', [CT_TBRCH]: 'CT_TBRCH', [CT_TAREABUS]: 'CT_TAREABUS',
  [CT_TAREAGEN]: 'CT_TAREAGEN', [CT_TAREABRCH]: 'CT_TAREABRCH', [CT_TLOAD]: 'CT_TLOAD',
  [CT_TAREALOAD]: 'CT_TAREALOAD', [CT_TGENCOST]: 'CT_TGENCOST', [CT_TAREAGENCOST]: 'CT_TAREAGENCOST',
};

/** Distinct labels of a change table, in order of first appearance. */
export function changeLabels(t: ChangeTable): number[] {
  return [...setsOf(t).keys()];
}

/** The case with BUS_AREA and ZONE of every bus swapped (scenarios_ACTIVSg200 needs zones as areas). */
export function swapAreaZone(c: Case): Case {
  return {
    ...c,
    bus: c.bus.map((r) => {
      const s = r.slice();
      s[BUS_AREA] = r[ZONE];
      s[ZONE] = r[BUS_AREA];
      return s;
    }),
  };
}

/** A new Case with change set `label` of `t` applied; `c` is left as it was. */
export function applyChanges(c: Case, t: ChangeTable, label: number): Case {
  const rows = setsOf(t).get(label);
  if (!rows) throw new ChangeTableError(`change table ${t.name} has no change set with label ${label}`);
  const out: Case = {
    ...c,
    bus: c.bus.map((r) => r.slice()),
    gen: c.gen.map((r) => r.slice()),
    branch: c.branch.map((r) => r.slice()),
  };
  const busRow = new Map<number, number>();
  out.bus.forEach((r, i) => busRow.set(r[BUS_I], i));
  const areaOfBus = (b: number, what: string): number => {
    const i = busRow.get(b);
    if (i === undefined) throw new ChangeTableError(`${what} is at bus ${b}, which is not in the case`);
    return out.bus[i][BUS_AREA];
  };

  rows.forEach((ch, j) => {
    const where = `change table ${t.name}, label ${label}, change ${j + 1} (${TABLE_NAMES[ch.table] ?? 'table ' + ch.table})`;
    switch (ch.table) {
      case CT_TBUS:
        checkColumn(ch, BUS_CHANGEABLE, 'bus', where);
        modify(out.bus, pick(ch.row, out.bus.length, 'bus', where), ch, where);
        break;
      case CT_TGEN:
        checkColumn(ch, GEN_CHANGEABLE, 'gen', where);
        modify(out.gen, pick(ch.row, out.gen.length, 'gen', where), ch, where);
        break;
      case CT_TBRCH:
        checkColumn(ch, BRANCH_CHANGEABLE, 'branch', where);
        modify(out.branch, pick(ch.row, out.branch.length, 'branch', where), ch, where);
        break;
      case CT_TAREABUS:
        checkColumn(ch, BUS_CHANGEABLE, 'bus', where);
        modify(out.bus, indices(out.bus, (r) => r[BUS_AREA] === ch.row), ch, where);
        break;
      case CT_TAREAGEN:
        checkColumn(ch, GEN_CHANGEABLE, 'gen', where);
        modify(out.gen, indices(out.gen, (r, i) => areaOfBus(r[GEN_BUS], `gen row ${i + 1}`) === ch.row), ch, where);
        break;
      case CT_TAREABRCH:
        checkColumn(ch, BRANCH_CHANGEABLE, 'branch', where);
        modify(out.branch, indices(out.branch, (r, i) =>
          areaOfBus(r[F_BUS], `branch row ${i + 1}`) === ch.row || areaOfBus(r[T_BUS], `branch row ${i + 1}`) === ch.row), ch, where);
        break;
      case CT_TLOAD:
      case CT_TAREALOAD: {
        let zone: boolean[];
        if (ch.table === CT_TAREALOAD) zone = out.bus.map((r) => r[BUS_AREA] === ch.row);
        else if (ch.row === 0) zone = out.bus.map(() => true);
        else {
          pick(ch.row, out.bus.length, 'bus', where);
          zone = out.bus.map((_, i) => i === ch.row - 1);
        }
        scaleLoad(out, zone, busRow, ch, where);
        break;
      }
      case CT_TGENCOST:
      case CT_TAREAGENCOST:
        throw new ChangeTableError(`${where}: changes to generator costs are not supported (GridRewire does not use gencost)`);
      default:
        throw new ChangeTableError(`${where}: unknown table type ${ch.table}`);
    }
  });
  return out;
}

/** Change sets by label, cached per table (scenario tables are applied thousands of times). */
const cache = new WeakMap<ChangeTable, { n: number; sets: Map<number, ChangeRow[]> }>();
function setsOf(t: ChangeTable): Map<number, ChangeRow[]> {
  const hit = cache.get(t);
  if (hit && hit.n === t.rows.length) return hit.sets;
  const sets = new Map<number, ChangeRow[]>();
  for (const r of t.rows) {
    const s = sets.get(r.label);
    if (s) s.push(r); else sets.set(r.label, [r]);
  }
  cache.set(t, { n: t.rows.length, sets });
  return sets;
}

function checkColumn(ch: ChangeRow, ok: Set<number>, what: string, where: string): void {
  if (!ok.has(ch.col)) {
    throw new ChangeTableError(`${where}: column ${ch.col} of the ${what} table cannot be changed by a change table ` +
      `(MATPOWER allows columns ${[...ok].join(', ')})`);
  }
}

/** 0-based rows for CT_ROW `row` (0 = all rows). */
function pick(row: number, n: number, what: string, where: string): number[] {
  if (row === 0) return Array.from({ length: n }, (_, i) => i);
  if (!(Number.isInteger(row) && row >= 1 && row <= n)) {
    throw new ChangeTableError(`${where}: refers to ${what} row ${row}, but the case has ${n} ${what} rows ` +
      '(is the table meant for another case?)');
  }
  return [row - 1];
}

function indices(m: number[][], test: (r: number[], i: number) => boolean): number[] {
  const out: number[] = [];
  m.forEach((r, i) => { if (test(r, i)) out.push(i); });
  return out;
}

/** CT_REP / CT_REL / CT_ADD on column `ch.col` of the given rows. */
function modify(m: number[][], rows: number[], ch: ChangeRow, where: string): void {
  const k = ch.col - 1;
  // As in MATLAB, writing past the last column widens every row with zeros.
  if (rows.length > 0 && m.length > 0 && k >= m[0].length) for (const r of m) while (r.length <= k) r.push(0);
  for (const i of rows) {
    const r = m[i];
    if (ch.chgtype === CT_REP) r[k] = ch.newval;
    else if (ch.chgtype === CT_REL) r[k] = ch.newval * r[k];
    else if (ch.chgtype === CT_ADD) r[k] = ch.newval + r[k];
    else throw new ChangeTableError(`${where}: unknown change type ${ch.chgtype} (expected CT_REP, CT_REL or CT_ADD)`);
  }
}

/**
 * MATPOWER scale_load for one zone. Fixed loads are PD (and QD) of the zone's
 * buses; dispatchable loads are in-service gens with PMIN < 0 and PMAX == 0,
 * whose load is -PMIN. CT_REP sets the zone's total active load (fixed plus
 * dispatchable) to newval MW, CT_REL multiplies it by newval, CT_ADD adds
 * newval MW to it; the _P codes leave reactive power unchanged.
 *
 * Two deliberate differences from MATPOWER 7, both only with dispatchable or
 * isolated loads: CT_ADD measures the current total the way scale_load does
 * (-PMIN, type-4 buses included) rather than with total_load (-PG, type-4
 * buses left out), so "add x MW" adds x MW; and every dispatchable load of a
 * bus is scaled, where scale_load's `intersect` scales only one per bus.
 */
function scaleLoad(c: Case, zone: boolean[], busRow: Map<number, number>, ch: ChangeRow, where: string): void {
  const code = Math.abs(ch.col);
  if (!(Number.isInteger(code) && code >= CT_LOAD_ALL_PQ && code <= CT_LOAD_DIS_P)) {
    throw new ChangeTableError(`${where}: column ${ch.col} is not a load code CT_LOAD_ALL_PQ (1) ... CT_LOAD_DIS_P (6)`);
  }
  const pq = code <= 3;
  const which = (code - 1) % 3; // 0 both, 1 fixed only, 2 dispatchable only
  const scaleFixed = which !== 2, scaleDisp = which !== 1;

  let fixed = 0;
  c.bus.forEach((r, i) => { if (zone[i]) fixed += r[PD]; });
  const loads: number[] = [];
  let disp = 0;
  c.gen.forEach((g, i) => {
    if (g[PMIN] < 0 && g[PMAX] === 0 && g[GEN_STATUS] > 0) {
      const b = busRow.get(g[GEN_BUS]);
      if (b !== undefined && zone[b]) { loads.push(i); disp -= g[PMIN]; }
    }
  });
  if (ch.col < 0 && scaleDisp && loads.length > 0) {
    throw new ChangeTableError(`${where}: a negative load code also scales the costs of dispatchable loads, ` +
      'which is not supported; use the positive code');
  }

  let s: number;
  if (ch.chgtype === CT_REL) s = ch.newval;
  else if (ch.chgtype === CT_REP || ch.chgtype === CT_ADD) {
    const target = ch.chgtype === CT_REP ? ch.newval : fixed + disp + ch.newval;
    const [base, other, kind] = which === 0 ? [fixed + disp, 0, 'load'] :
      which === 1 ? [fixed, disp, 'fixed load'] : [disp, fixed, 'dispatchable load'];
    if (base !== 0) s = (target - other) / base;
    else if (target === other) s = 1;
    else {
      throw new ChangeTableError(`${where}: cannot make the load equal ${target} MW by scaling ${kind} ` +
        'that does not exist (its total is 0 MW)');
    }
  } else {
    throw new ChangeTableError(`${where}: unknown change type ${ch.chgtype} (expected CT_REP, CT_REL or CT_ADD)`);
  }

  if (scaleFixed) {
    c.bus.forEach((r, i) => {
      if (!zone[i]) return;
      r[PD] *= s;
      if (pq) r[QD] *= s;
    });
  }
  if (scaleDisp) {
    for (const i of loads) {
      const g = c.gen[i];
      g[PG] *= s;
      g[PMIN] *= s;
      if (pq) { g[QG] *= s; g[QMIN] *= s; g[QMAX] *= s; }
    }
  }
}
