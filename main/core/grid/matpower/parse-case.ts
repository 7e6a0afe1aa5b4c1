// parseMatpower: MATPOWER case text -> Case, then the checks that make the
// Case safe to compile (required matrices and columns, bus numbers, a
// reference bus, branch and generator ends on known buses). Each failure
// points at the line (and where it helps, the column) of the offending row.

import type { Case, MatValue } from '../case';
import { BUS_COLS, BUS_I, BUS_TYPE, BRANCH_COLS, F_BUS, GEN_BUS, GEN_COLS, REF, T_BUS } from '../idx';
import { errorAt } from './errors';
import { type Assignment, cellOffset, elementOffset, readScript } from './reader';
import { formatNumber as fmt } from './write';

/** Reads a MATPOWER case file (`function mpc = name` with `mpc.x = ...` fields). */
export function parseMatpower(text: string, fileName = 'case.m'): Case {
  const script = readScript(text, { file: fileName, defaultVar: 'mpc' });
  const v = (a: Assignment) => `${script.outVar}.${a.path}`;
  function fail(offset: number, reason: string): never {
    throw errorAt(text, fileName, offset, reason);
  }

  if (script.assignments.length === 0) {
    fail(0, script.name === null
      ? 'the file is empty: no MATPOWER data (expected "function mpc = casename" and mpc.bus, mpc.gen, mpc.branch)'
      : `function ${script.name} assigns no ${script.outVar} fields: this is not a MATPOWER case`);
  }

  const whole = script.assignments.find((a) => a.path === '');
  if (whole) {
    fail(whole.at, `"${script.outVar} = ..." assigns a whole variable, as a change table does; a case file ` +
      `assigns fields (${script.outVar}.bus = [...]). Is this a change table rather than a case?`);
  }

  const byPath = new Map<string, Assignment>();
  for (const a of script.assignments) byPath.set(a.path, a);
  const fieldOrder: string[] = [];
  const extra: { [field: string]: MatValue } = {};
  for (const a of script.assignments) {
    fieldOrder.push(a.path);
    if (!STANDARD.has(a.path)) extra[a.path] = a.value;
  }

  const required = (path: string): Assignment => {
    const a = byPath.get(path);
    if (!a) {
      fail(text.length, `${script.outVar}.${path} is missing (the file ends without it); a MATPOWER case needs ` +
        `${script.outVar}.baseMVA, .bus, .gen and .branch`);
    }
    return a;
  };

  // baseMVA: a positive finite number.
  const baseA = required('baseMVA');
  const baseMVA = scalarOf(baseA.value);
  if (baseMVA === null) fail(baseA.valueAt, `${v(baseA)} must be a single number`);
  if (!(Number.isFinite(baseMVA) && baseMVA > 0)) {
    fail(baseA.valueAt, `${v(baseA)} is ${fmt(baseMVA)}; it must be a positive finite number of MVA (usually 100)`);
  }

  const bus = matrixOf(required('bus'), BUS_COLS, 'bus', 'BUS_I ... VMIN');
  const gen = matrixOf(required('gen'), GEN_COLS, 'gen', 'GEN_BUS ... PMIN');
  const branch = matrixOf(required('branch'), BRANCH_COLS, 'branch', 'F_BUS ... BR_STATUS');
  const costA = byPath.get('gencost');
  const gencost = costA ? matrixOf(costA, 0, 'gencost', '') : undefined;

  // version: '2'; absent means version 1 to MATPOWER unless gen has >= 21 columns.
  let version = '2';
  const verA = byPath.get('version');
  if (verA) {
    const val = verA.value;
    if (val.kind === 'string') version = val.value;
    else if (val.kind === 'scalar') version = String(val.value);
    else fail(verA.valueAt, `${v(verA)} must be text such as '2'`);
    if (version !== '2') {
      fail(verA.valueAt, `${v(verA)} is '${version}': only version 2 cases are read; convert the case with ` +
        "MATPOWER (mpc = loadcase(file); savecase(newfile, mpc))");
    }
  } else {
    const g = gen.rows;
    if (g.length === 0 || g[0].length < 21) {
      fail(0, `${script.outVar}.version is missing, so MATPOWER reads this as a version 1 case; add ` +
        `"${script.outVar}.version = '2';" if the columns follow the version 2 layout`);
    }
    fieldOrder.unshift('version'); // stated when written back
  }

  // bus_name: one text per bus row.
  let bus_name: string[] | undefined;
  const namesA = byPath.get('bus_name');
  if (namesA) {
    const val = namesA.value;
    if (val.kind !== 'cell') fail(namesA.valueAt, `${v(namesA)} must be a cell array {'name'; ...}`);
    const cells = val.rows;
    const flat = cells.length === 1 ? cells[0] : cells.map((r) => (r.length === 1 ? r[0] : undefined));
    if (cells.length > 1 && cells[0].length !== 1) {
      fail(namesA.valueAt, `${v(namesA)} must be a single column of names, one per bus row`);
    }
    flat.forEach((x, i) => {
      if (typeof x !== 'string') {
        fail(cells.length === 1 ? elementOffset(text, namesA.rowStarts[0], i) : namesA.rowStarts[i],
          `${v(namesA)} entry ${i + 1} is not text`);
      }
    });
    if (flat.length !== bus.rows.length) {
      fail(namesA.valueAt, `${v(namesA)} has ${flat.length} names but ${script.outVar}.bus has ${bus.rows.length} rows`);
    }
    bus_name = flat as string[];
  }

  if (bus.rows.length === 0) fail(bus.a.valueAt, `${script.outVar}.bus is empty: a case needs at least one bus`);

  // Buses: positive integer numbers, each once, known types, a reference bus.
  const busRow = new Map<number, number>();
  let refs = 0;
  bus.rows.forEach((r, i) => {
    const id = r[BUS_I];
    if (!(Number.isInteger(id) && id > 0)) {
      fail(bus.cell(i, BUS_I), `bus row ${i + 1} has bus number ${fmt(id)}; bus numbers must be positive integers`);
    }
    const prev = busRow.get(id);
    if (prev !== undefined) {
      fail(bus.cell(i, BUS_I), `bus row ${i + 1} repeats bus number ${id}, already used by bus row ${prev + 1}`);
    }
    busRow.set(id, i);
    const type = r[BUS_TYPE];
    if (!(type === 1 || type === 2 || type === 3 || type === 4)) {
      fail(bus.cell(i, BUS_TYPE), `bus ${id} (row ${i + 1}) has type ${fmt(type)}; expected 1 (PQ), 2 (PV), ` +
        '3 (reference) or 4 (isolated)');
    }
    if (type === REF) refs++;
    noNaN(bus, i, BUS_COLS, 'bus');
  });
  if (refs === 0) {
    fail(bus.a.valueAt, `no reference bus: no row of ${script.outVar}.bus has BUS_TYPE 3; mark the slack bus as type 3`);
  }

  gen.rows.forEach((r, i) => {
    const b = r[GEN_BUS];
    if (!busRow.has(b)) {
      fail(gen.cell(i, GEN_BUS), `gen row ${i + 1} is at bus ${fmt(b)}, which is not in ${script.outVar}.bus`);
    }
    noNaN(gen, i, GEN_COLS, 'gen');
  });

  branch.rows.forEach((r, i) => {
    for (const end of [F_BUS, T_BUS]) {
      const b = r[end];
      if (!busRow.has(b)) {
        fail(branch.cell(i, end), `branch row ${i + 1} refers to bus ${fmt(b)}, which is not in ${script.outVar}.bus`);
      }
    }
    noNaN(branch, i, BRANCH_COLS, 'branch');
  });

  const c: Case = {
    name: script.name ?? baseName(fileName),
    version,
    baseMVA,
    bus: bus.rows,
    gen: gen.rows,
    branch: branch.rows,
    extra,
    fieldOrder,
  };
  if (gencost) c.gencost = gencost.rows;
  if (bus_name) c.bus_name = bus_name;
  if (script.statements.length > 0) c.statements = script.statements;
  return c;

  // ---- helpers (closures over text and file) ----

  interface Mat { a: Assignment; rows: number[][]; cell(i: number, k: number): number }

  function matrixOf(a: Assignment, minCols: number, what: string, cols: string): Mat {
    if (a.value.kind !== 'matrix') {
      fail(a.valueAt, `${v(a)} must be a numeric matrix [ ... ], not ${a.value.kind === 'cell' ? 'a cell array' : 'a ' + a.value.kind}`);
    }
    const rows = a.value.rows;
    if (rows.length > 0 && rows[0].length < minCols) {
      fail(a.rowStarts[0], `${v(a)} rows have ${rows[0].length} columns; a ${what} row needs at least ${minCols} (${cols})`);
    }
    // A cell a statement wrote is blamed on that statement, not on the literal it replaced.
    return { a, rows, cell: (i, k) => cellOffset(text, a, i, k) };
  }

  function noNaN(m: Mat, i: number, cols: number, what: string): void {
    const r = m.rows[i];
    for (let k = 0; k < cols; k++) {
      if (Number.isNaN(r[k])) fail(m.cell(i, k), `${what} row ${i + 1} has NaN in column ${k + 1}, which must be a number`);
    }
  }
}

/** Fields with a place of their own in Case; the rest go to `extra`. */
const STANDARD = new Set(['version', 'baseMVA', 'bus', 'gen', 'branch', 'gencost', 'bus_name']);

function scalarOf(v: MatValue): number | null {
  if (v.kind === 'scalar') return v.value;
  if (v.kind === 'matrix' && v.rows.length === 1 && v.rows[0].length === 1) return v.rows[0][0];
  return null;
}

function baseName(file: string): string {
  const b = file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
  return b.endsWith('.m') ? b.slice(0, -2) : b || 'case';
}

