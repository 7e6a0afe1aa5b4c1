// Runs the statements statements.ts parsed, in file order, over copies of the
// fields the file assigned. Values are MATLAB's: real matrices, a scalar being
// 1x1; `+ - .* ./ .^` broadcast a scalar, a column or a row against a matrix
// (implicit expansion), while `* / ^` need a scalar operand as in MATLAB (a
// matrix product or division is refused, not guessed). Indices are checked
// against the matrix, and a result MATLAB would make complex is refused. The
// caller gets the new field values only when every statement has run.

import type { MatValue } from '../case';
import { FUNCTIONS } from './constants';
import type { Expr, Index, Statement } from './statements';
import { formatNumber as fmt } from './write';

/** One step of the file: a literal assignment (its value as read) or a statement to run. */
export type Step = { literal: { path: string; value: MatValue } } | { run: Statement };

/** Cells a statement wrote: 0-based rows (null: all) and columns. */
export interface Write {
  at: number;
  rows: number[] | null;
  cols: number[];
}

/** The value a field ends with, for each field a statement assigned or changed. */
export interface Outcome {
  value: MatValue;
  /** The column assignments that changed it, in order (empty for `mpc.x = EXPR`). */
  writes: Write[];
}

/** A real matrix, row-major. */
interface M {
  r: number;
  c: number;
  d: Float64Array;
}

interface Field {
  value: MatValue;
  /** Whether `value` is already this run's own copy (copied before the first write). */
  owned: boolean;
  changed: boolean;
  writes: Write[];
}

type Fail = (offset: number, reason: string) => never;

export function evaluate(steps: Step[], outVar: string, fail: Fail): Map<string, Outcome> {
  return new Evaluator(outVar, fail).run(steps);
}

/** The value of an expression of numbers alone (see isConstant), `prefix` heading its error messages. */
export function constantValue(e: Expr, prefix: string, fail: Fail): number {
  const ev = new Evaluator('', fail);
  ev.prefix = prefix;
  return ev.scalarOf(e);
}

const scalar = (v: number): M => ({ r: 1, c: 1, d: Float64Array.of(v) });
const size = (m: M): string => `${m.r}x${m.c}`;

class Evaluator {
  private readonly fields = new Map<string, Field>();
  private readonly vars = new Map<string, number>();
  /** Heads every message: the statement running. */
  prefix = '';

  constructor(private readonly outVar: string, private readonly failAt: Fail) {}

  private fail(at: number, reason: string): never {
    this.failAt(at, this.prefix + reason);
  }

  scalarOf(e: Expr): number {
    return this.expr(e, undefined).d[0];
  }

  run(steps: Step[]): Map<string, Outcome> {
    for (const step of steps) {
      if ('literal' in step) {
        this.fields.set(step.literal.path, { value: step.literal.value, owned: false, changed: false, writes: [] });
        continue;
      }
      const s = step.run;
      this.prefix = `cannot evaluate "${s.quote}": `;
      if (s.k === 'let') {
        const v = this.expr(s.e, undefined);
        if (v.r !== 1 || v.c !== 1) {
          this.fail(s.e.at, `${s.name} would hold a ${size(v)} matrix; a variable holds one number (use columns ` +
            `directly in ${this.outVar}.X(:, COLS) = ...)`);
        }
        this.vars.set(s.name, v.d[0]);
      } else if (s.k === 'field') {
        const v = this.expr(s.e, undefined);
        this.fields.set(s.path, { value: toValue(v), owned: true, changed: true, writes: [] });
      } else {
        this.set(s);
      }
    }
    const out = new Map<string, Outcome>();
    for (const [path, f] of this.fields) if (f.changed) out.set(path, { value: f.value, writes: f.writes });
    return out;
  }

  /** `mpc.path(ROWS, COLS) = EXPR`: the right side must be one number or exactly the size picked. */
  private set(s: Statement & { k: 'set' }): void {
    const f = this.numeric(s.path, s.at);
    const rows = rowsOf(f.value);
    const nr = rows.length;
    const nc = nr > 0 ? rows[0].length : 0;
    const label = `${this.outVar}.${s.path}`;
    const ri = this.index(s.rows, nr, 'row', label);
    const ci = this.index(s.cols, nc, 'column', label);
    const v = this.expr(s.e, undefined);
    const pr = ri ? ri.length : nr;
    const pc = ci ? ci.length : nc;
    if (!(v.r === 1 && v.c === 1) && !(v.r === pr && v.c === pc)) {
      this.fail(s.e.at, `the right side is ${size(v)}, but ${label}(...) picks ${pr}x${pc}; the sizes must ` +
        'agree (or the right side be one number)');
    }
    if (!f.owned) {
      f.value = f.value.kind === 'scalar' ? f.value : { kind: 'matrix', rows: rows.map((r) => r.slice()) };
      f.owned = true;
    }
    const target = rowsOf(f.value);
    const one = v.r === 1 && v.c === 1;
    for (let i = 0; i < pr; i++) {
      const row = target[ri ? ri[i] : i];
      for (let j = 0; j < pc; j++) row[ci ? ci[j] : j] = one ? v.d[0] : v.d[i * pc + j];
    }
    if (f.value.kind === 'scalar') f.value = { kind: 'scalar', value: target[0][0] };
    f.changed = true;
    f.writes.push({ at: s.at, rows: ri, cols: ci ?? Array.from({ length: nc }, (_, k) => k) });
  }

  /** The field at `path` if it holds numbers. */
  private numeric(path: string, at: number): Field {
    const f = this.fields.get(path);
    const label = `${this.outVar}.${path}`;
    // The reader checked that the field is assigned before the statement.
    if (!f) this.fail(at, `${label} is used before it is assigned`);
    if (f.value.kind === 'string') this.fail(at, `${label} is text, not numbers`);
    if (f.value.kind === 'cell') this.fail(at, `${label} is a cell array, not numbers`);
    return f;
  }

  /** 0-based positions an index picks in a dimension of `n`, or null for all of them. */
  private index(ix: Index, n: number, dim: 'row' | 'column', label: string): number[] | null {
    if (ix.k === 'all') return null;
    const out: number[] = [];
    for (const p of ix.picks) {
      if (p.k === 'one') {
        const v = this.expr(p.e, n);
        if (v.r !== 1 || v.c !== 1) {
          this.fail(p.at, `an index here is one number, a range a:b or a [ ] list of numbers, not a ${size(v)} matrix`);
        }
        out.push(this.position(v.d[0], n, dim, label, p.at));
        continue;
      }
      const lo = this.one(p.lo, n, p.at);
      const hi = this.one(p.hi, n, p.hiAt);
      if (!(lo <= hi)) continue; // an empty range, as in MATLAB
      this.position(lo, n, dim, label, p.at);
      this.position(Math.floor(hi), n, dim, label, p.hiAt);
      for (let v = lo; v <= hi; v++) out.push(v - 1);
    }
    return out;
  }

  private one(e: Expr, end: number, at: number): number {
    const v = this.expr(e, end);
    if (v.r !== 1 || v.c !== 1) this.fail(at, `a range a:b takes one number at each end, not a ${size(v)} matrix`);
    return v.d[0];
  }

  private position(v: number, n: number, dim: 'row' | 'column', label: string, at: number): number {
    if (!(Number.isInteger(v) && v >= 1)) this.fail(at, `${dim} index ${fmt(v)} is not a positive integer`);
    if (v > n) this.fail(at, `${dim} ${v} is outside ${label}, which has ${n} ${dim}${n === 1 ? '' : 's'}`);
    return v - 1;
  }

  // ---- expressions ---------------------------------------------------------

  /** The value of `e`; `end` is the size of the dimension being indexed, if any. */
  private expr(e: Expr, end: number | undefined): M {
    switch (e.k) {
      case 'num': return scalar(e.v);
      case 'var': {
        const v = this.vars.get(e.name);
        if (v === undefined) this.fail(e.at, `${e.name} is not assigned before this statement`);
        return scalar(v);
      }
      case 'end':
        if (end === undefined) this.fail(e.at, '"end" stands for a size only inside an index');
        return scalar(end);
      case 'field': return this.fieldValue(e);
      case 'neg': return map(this.expr(e.e, end), (x) => -x);
      case 'call': {
        const x = this.expr(e.arg, end);
        const f = FUNCTIONS[e.fn];
        for (let i = 0; i < x.d.length; i++) {
          const v = x.d[i];
          if ((e.fn === 'sqrt' || e.fn === 'log') && v < 0 || (e.fn === 'asin' || e.fn === 'acos') && (v < -1 || v > 1)) {
            this.fail(e.at, `${e.fn}(${fmt(v)}) is complex in MATLAB; a case holds real numbers`);
          }
        }
        return map(x, f);
      }
      case 'bin': return this.binary(e, end);
    }
  }

  private fieldValue(e: Expr & { k: 'field' }): M {
    const f = this.numeric(e.path, e.at);
    const label = `${this.outVar}.${e.path}`;
    const rows = rowsOf(f.value);
    const nr = rows.length;
    const nc = nr > 0 ? rows[0].length : 0;
    const ri = e.index ? this.index(e.index[0], nr, 'row', label) : null;
    const ci = e.index ? this.index(e.index[1], nc, 'column', label) : null;
    const pr = ri ? ri.length : nr;
    const pc = ci ? ci.length : nc;
    const d = new Float64Array(pr * pc);
    for (let i = 0; i < pr; i++) {
      const row = rows[ri ? ri[i] : i];
      for (let j = 0; j < pc; j++) d[i * pc + j] = row[ci ? ci[j] : j];
    }
    return { r: pr, c: pc, d };
  }

  private binary(e: Expr & { k: 'bin' }, end: number | undefined): M {
    const a = this.expr(e.a, end);
    const b = this.expr(e.b, end);
    const aOne = a.r === 1 && a.c === 1;
    const bOne = b.r === 1 && b.c === 1;
    switch (e.op) {
      case '+': return this.zip(a, b, e, (x, y) => x + y);
      case '-': return this.zip(a, b, e, (x, y) => x - y);
      case '.*': return this.zip(a, b, e, (x, y) => x * y);
      case './': return this.zip(a, b, e, (x, y) => x / y);
      case '.^': return this.zip(a, b, e, (x, y) => this.pow(x, y, e.at));
      case '*':
        if (!aOne && !bOne) {
          this.fail(e.at, `"*" of a ${size(a)} and a ${size(b)} matrix is a matrix product, which is not evaluated; ` +
            'write ".*" for elementwise products');
        }
        return this.zip(a, b, e, (x, y) => x * y);
      case '/':
        if (!bOne) {
          this.fail(e.at, `"/" by a ${size(b)} matrix is a matrix division, which is not evaluated; write "./" ` +
            'to divide elementwise');
        }
        return this.zip(a, b, e, (x, y) => x / y);
      case '^':
        if (!aOne || !bOne) {
          this.fail(e.at, `"^" of a ${size(a)} and a ${size(b)} operand is a matrix power, which is not evaluated; ` +
            'write ".^" for elementwise powers');
        }
        return scalar(this.pow(a.d[0], b.d[0], e.at));
    }
  }

  /** x^y, refusing what MATLAB would make complex (a negative number to a fractional power). */
  private pow(x: number, y: number, at: number): number {
    if (x < 0 && Number.isFinite(y) && !Number.isInteger(y)) {
      this.fail(at, `(${fmt(x)})^${fmt(y)} is complex in MATLAB; a case holds real numbers`);
    }
    return x === 1 ? 1 : Math.pow(x, y); // 1^NaN is 1 in MATLAB (IEEE pow), NaN in JavaScript
  }

  /** Elementwise `f`, expanding a dimension of size 1 against the other operand's (MATLAB's implicit expansion). */
  private zip(a: M, b: M, e: Expr & { k: 'bin' }, f: (x: number, y: number) => number): M {
    const r = a.r === b.r || b.r === 1 ? a.r : a.r === 1 ? b.r : -1;
    const c = a.c === b.c || b.c === 1 ? a.c : a.c === 1 ? b.c : -1;
    if (r < 0 || c < 0) {
      this.fail(e.at, `"${e.op}" of a ${size(a)} and a ${size(b)} matrix: the sizes do not agree`);
    }
    const d = new Float64Array(r * c);
    const ar = a.r === 1 ? 0 : a.c, ac = a.c === 1 ? 0 : 1;
    const br = b.r === 1 ? 0 : b.c, bc = b.c === 1 ? 0 : 1;
    for (let i = 0; i < r; i++) {
      for (let j = 0; j < c; j++) d[i * c + j] = f(a.d[i * ar + j * ac], b.d[i * br + j * bc]);
    }
    return { r, c, d };
  }
}

function map(m: M, f: (x: number) => number): M {
  const d = new Float64Array(m.d.length);
  for (let i = 0; i < d.length; i++) d[i] = f(m.d[i]);
  return { r: m.r, c: m.c, d };
}

/** A numeric field as rows (a scalar as one 1x1 row). */
function rowsOf(v: MatValue): number[][] {
  if (v.kind === 'scalar') return [[v.value]];
  if (v.kind === 'matrix') return v.rows;
  throw new Error('not numeric'); // numeric() has refused text and cells
}

/** A result as a field value: one number is a scalar, anything else a matrix. */
function toValue(m: M): MatValue {
  if (m.r === 1 && m.c === 1) return { kind: 'scalar', value: m.d[0] };
  const rows: number[][] = new Array(m.r);
  for (let i = 0; i < m.r; i++) rows[i] = Array.from(m.d.subarray(i * m.c, (i + 1) * m.c));
  return { kind: 'matrix', rows };
}
