// writeMatpower: Case -> MATPOWER text that parseMatpower reads back to an
// equal Case. Numbers use JavaScript's shortest round-trip form, so every
// double survives; fields come in `fieldOrder`, then any the order misses.
// A case read from a file with unit conversions is written converted (the
// numbers in MATPOWER units); its original statements go into the header as
// `%@` comment lines, which the reader keeps as notes and never runs.

import type { Case, MatCell, MatValue } from '../case';

/** Column headers MATPOWER's savecase writes above the standard matrices. */
const HEADERS: { [field: string]: string } = {
  bus: 'bus_i\ttype\tPd\tQd\tGs\tBs\tarea\tVm\tVa\tbaseKV\tzone\tVmax\tVmin',
  gen: 'bus\tPg\tQg\tQmax\tQmin\tVg\tmBase\tstatus\tPmax\tPmin',
  branch: 'fbus\ttbus\tr\tx\tb\trateA\trateB\trateC\tratio\tangle\tstatus\tangmin\tangmax',
};

export function writeMatpower(c: Case): string {
  if (!/^[A-Za-z][A-Za-z0-9_]{0,62}$/.test(c.name)) {
    throw new TypeError(`case name "${c.name}" is not a valid MATLAB function name (letters, digits, _; a letter first)`);
  }
  const out: string[] = [];
  out.push(`function mpc = ${c.name}`);
  out.push(`%${c.name.toUpperCase()}  MATPOWER case data, written by GridRewire`);
  if (c.statements && c.statements.length > 0) out.push(...notes(c.statements));
  out.push('');
  out.push('%% MATPOWER Case Format : Version 2');

  const written = new Set<string>();
  const standard = ['version', 'baseMVA', 'bus', 'gen', 'branch'];
  if (c.gencost) standard.push('gencost');
  if (c.bus_name) standard.push('bus_name');
  const order = [...c.fieldOrder, ...standard, ...Object.keys(c.extra)];
  for (const field of order) {
    if (written.has(field)) continue;
    const v = valueOf(c, field);
    if (v === undefined) continue;
    written.add(field);
    if (!/^[A-Za-z]\w*(\.[A-Za-z]\w*)*$/.test(field)) {
      throw new TypeError(`field name "${field}" is not a MATLAB field name (letters, digits, _; a letter first)`);
    }
    out.push('');
    const head = HEADERS[field];
    if (head) out.push(`%\t${head}`);
    out.push(`mpc.${field} = ${formatValue(v, field)};`);
  }
  out.push('');
  return out.join('\n');
}

/**
 * The header lines noting the original file's statements: `%@ ` starts one,
 * `%@+` continues it on its next line (the reader rebuilds them exactly).
 */
function notes(statements: string[]): string[] {
  const out = [
    '%',
    '%   The file this case was read from held the statements below (lines %@)',
    '%   besides its data. GridRewire evaluated them: the numbers in this file are',
    '%   their result, in MATPOWER units. They are kept as comments, not run again.',
  ];
  for (const s of statements) {
    if (typeof s !== 'string') throw new TypeError('case statements must be text');
    s.split('\n').forEach((line, i) => {
      for (let k = 0; k < line.length; k++) {
        const ch = line.charCodeAt(k);
        if ((ch < 32 && ch !== 9) || ch === 127 || ch === 0xfffd) {
          throw new TypeError(`a case statement holds a control character (code ${ch}), which a comment line cannot hold`);
        }
      }
      out.push((i === 0 ? '%@ ' : '%@+') + line);
    });
  }
  return out;
}

function valueOf(c: Case, field: string): MatValue | undefined {
  switch (field) {
    case 'version': return { kind: 'string', value: c.version };
    case 'baseMVA': return { kind: 'scalar', value: c.baseMVA };
    case 'bus': return { kind: 'matrix', rows: c.bus };
    case 'gen': return { kind: 'matrix', rows: c.gen };
    case 'branch': return { kind: 'matrix', rows: c.branch };
    case 'gencost': return c.gencost && { kind: 'matrix', rows: c.gencost };
    case 'bus_name': return c.bus_name && { kind: 'cell', rows: c.bus_name.map((n) => [n]) };
    default: return Object.prototype.hasOwnProperty.call(c.extra, field) ? c.extra[field] : undefined;
  }
}

function formatValue(v: MatValue, field: string): string {
  switch (v.kind) {
    case 'scalar': return formatNumber(v.value);
    case 'string': return formatString(v.value, field);
    case 'matrix': return block('[', ']', v.rows, field, formatNumber);
    case 'cell': return block('{', '}', v.rows, field, (x: MatCell) =>
      typeof x === 'string' ? formatString(x, field) : formatNumber(x));
  }
}

function block<T>(open: string, close: string, rows: T[][], field: string, fmt: (x: T) => string): string {
  const width = rows.length > 0 ? rows[0].length : 0;
  const parts: string[] = [open];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r.length !== width || width === 0) {
      throw new TypeError(`mpc.${field} row ${i + 1} has ${r.length} values, row 1 has ${width}: a matrix must be rectangular and not empty-rowed`);
    }
    let line = '\t';
    for (let k = 0; k < r.length; k++) line += (k > 0 ? '\t' : '') + fmt(r[k]);
    parts.push(line + ';');
  }
  parts.push(close);
  return parts.join('\n');
}

/** Shortest text that reads back to the same double (Inf, -Inf, NaN, -0 included). */
export function formatNumber(x: number): string {
  if (x === Infinity) return 'Inf';
  if (x === -Infinity) return '-Inf';
  if (Number.isNaN(x)) return 'NaN';
  if (x === 0 && 1 / x < 0) return '-0';
  return String(x);
}

function formatString(s: string, field: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 127) {
      throw new TypeError(`mpc.${field} holds text with a control character (code ${c}), which a MATLAB text literal cannot hold`);
    }
  }
  return `'${s.split("'").join("''")}'`;
}
