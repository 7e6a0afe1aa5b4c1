// Reads the subset of MATLAB that MATPOWER data files use: an optional
// `function out = name` header, assignments of literal values (`out.field =
// [...]`, `{...}`, `'text'`, a number) to the output variable or its fields,
// and the unit conversions of MATPOWER's distribution cases (`define_constants;`,
// `[PQ, PV, ...] = idx_bus;`, `Vbase = mpc.bus(1, BASE_KV) * 1e3;`,
// `mpc.bus(:, [PD, QD]) = mpc.bus(:, [PD, QD]) / 1e3;`, `mpc.baseMVA = 50/3;`,
// parsed by statements.ts). Anything else (loops, conditionals, calls, logical
// indexing) is rejected with its line and column. The statements run
// (evaluate.ts) only after the whole file has been read, on copies of the
// fields, so a rejected file is never half-evaluated.
//
// One pass over char codes, no regular expressions, no per-character string
// building; line and column are computed from offsets only when an error is
// reported, so the hot loop does not track them.

import type { MatCell, MatValue } from '../case';
import { DEFINE_CONSTANTS, FUNCTIONS, IDX_OUTPUTS } from './constants';
import { errorAt, lineColumn } from './errors';
import { type Step, type Write, constantValue, evaluate } from './evaluate';
import { type Scanner, type Scope, SAVECASE, type Statement, StatementParser, isConstant } from './statements';

/** One `out.path = value` statement. */
export interface Assignment {
  /** Field path below the output variable ('bus', 'reserves.zones'); '' for the variable itself. */
  path: string;
  value: MatValue;
  /** Offset of the statement's first character. */
  at: number;
  /** Offset of the value's first character ('[', '{', quote or number). */
  valueAt: number;
  /** For matrices and cells, the offset of each row's first element (for a computed value, `valueAt`). */
  rowStarts: number[];
  /** Whether the value is an expression's result (`mpc.baseMVA = 50/3`) rather than a literal. */
  computed?: boolean;
  /** The column assignments that changed the value after it was read, in file order. */
  writes?: Write[];
}

export interface Script {
  /** From `function out = name`, or null when the file has no header. */
  name: string | null;
  /** The output variable every assignment targets. */
  outVar: string;
  /** Each field's final value: literals as read, changed by the statements that ran. */
  assignments: Assignment[];
  /**
   * The file's statements other than literal assignments, as written (line ends as
   * '\n'), and those noted in `%@` comments by the writer; empty when there are none.
   */
  statements: string[];
}

/** The offset to blame for cell (i, k) of a matrix: the last statement that wrote it, else the literal element. */
export function cellOffset(src: string, a: Assignment, i: number, k: number): number {
  if (a.writes) {
    for (let w = a.writes.length - 1; w >= 0; w--) {
      const wr = a.writes[w];
      if ((wr.rows === null || wr.rows.includes(i)) && wr.cols.includes(k)) return wr.at;
    }
  }
  if (a.computed) return a.valueAt;
  return elementOffset(src, a.rowStarts[i], k);
}

// Character codes.
const TAB = 9, LF = 10, VT = 11, FF = 12, CR = 13, SP = 32, DQUOTE = 34, PERCENT = 37,
  QUOTE = 39, LPAREN = 40, RPAREN = 41, STAR = 42, PLUS = 43, COMMA = 44, MINUS = 45, DOT = 46,
  SLASH = 47, D0 = 48, D9 = 57, SEMI = 59, EQ = 61, LBRACK = 91, BACKSLASH = 92, RBRACK = 93,
  CARET = 94, UNDERSCORE = 95, LBRACE = 123, RBRACE = 125, TILDE = 126, AT_SIGN = 64, REPLACEMENT = 0xfffd;

/** Exact powers of ten for the fast path of number conversion. */
const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14,
  1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/** The characters isBinary rejects, for long stretches of comment or text. */
const BINARY_RE = /[\x00-\x08\x0e-\x1f\x7f\ufffd]/;

/** MATLAB's namelengthmax; longer "names" are junk, not identifiers. */
const MAX_NAME = 63;
/** No real number literal is longer; a longer run of digits is junk. */
const MAX_NUMBER = 400;

const isDigit = (c: number): boolean => c >= D0 && c <= D9;
const isNameStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isNameChar = (c: number): boolean => isNameStart(c) || isDigit(c) || c === UNDERSCORE;
/** Control characters no MATLAB text file holds, and U+FFFD from invalid UTF-8. */
const isBinary = (c: number): boolean =>
  (c < 32 && c !== TAB && c !== LF && c !== VT && c !== FF && c !== CR) || c === 127 || c === REPLACEMENT;

export interface ReadOptions {
  /** File name used in error messages. */
  file: string;
  /** Output variable assumed when the file has no `function` header ('mpc', 'chgtab'). */
  defaultVar: string;
}

/** Reads `src` into its assignments, or throws CaseParseError at the first thing it cannot read. */
export function readScript(src: string, opts: ReadOptions): Script {
  return new Reader(src, opts.file).script(opts.defaultVar);
}

/** Statements that are control flow: never run. */
const CONTROL = new Set(['if', 'elseif', 'else', 'for', 'parfor', 'while', 'do', 'until', 'switch', 'case',
  'otherwise', 'try', 'catch', 'break', 'continue', 'return', 'function', 'global', 'persistent', 'spmd',
  'unwind_protect', 'end_try_catch', 'endif', 'endfor', 'endwhile']);

/** Offset of the `k`-th (0-based) element of the matrix or cell row starting at `rowStart`. */
export function elementOffset(src: string, rowStart: number, k: number): number {
  const r = new Reader(src, '');
  r.lenient = true;
  r.pos = rowStart;
  try {
    let start = rowStart;
    for (let i = 0; ; i++) {
      const before = r.pos;
      r.skipInRow();
      const c = src.charCodeAt(r.pos);
      if (i > 0 && (c < D0 || c === CARET) && r.continuesElement(c) && !src.slice(before, r.pos).includes(',')) {
        // `[90 - 5]`: the operator continues element i - 1.
        r.arithmetic(start, '');
        i--;
        continue;
      }
      if (i === k || r.pos >= src.length) return r.pos;
      start = r.pos;
      if (c === QUOTE || c === DQUOTE) r.scanString();
      else r.element('');
    }
  } catch {
    return rowStart; // only used to place an error; the row start is a fair fallback
  }
}

class Reader implements Scanner, Scope {
  readonly src: string;
  readonly n: number;
  readonly file: string;
  pos = 0;
  /** Names in a matrix read as 0 whatever they are (elementOffset only needs positions). */
  lenient = false;
  /** Whether any CR occurs: then line ends are found char by char, else with indexOf. */
  private readonly hasCR: boolean;
  /** Output variable, for hints when a matrix is left open. */
  outVar = '';
  /** Names bound to numbers by define_constants or `[...] = idx_*` so far. */
  private readonly bound = new Map<string, number>();
  /** Names `name = ...` assigned so far (their values are known only when the statements run). */
  private readonly vars = new Set<string>();
  /** Paths assigned so far, with the offset of the assignment. */
  private readonly seen = new Map<string, number>();
  /** Every proper prefix of an assigned path, with where it was first extended. */
  private readonly below = new Map<string, number>();
  /** Literal assignments and statements to run, in file order. */
  private readonly steps: Step[] = [];
  /** The text of every statement other than a literal assignment. */
  private readonly statements: string[] = [];
  /** Whether the last statement recorded came from a `%@` note (a `%@+` line continues it). */
  private lastWasNote = false;
  private readonly parser: StatementParser = new StatementParser(this, this);

  constructor(src: string, file: string) {
    this.src = src;
    this.n = src.length;
    this.file = file;
    this.hasCR = src.indexOf('\r') >= 0;
  }

  fail(offset: number, reason: string): never {
    throw errorAt(this.src, this.file, offset, reason);
  }

  private line(offset: number): number {
    return lineColumn(this.src, offset).line;
  }

  // ---- file and statements -------------------------------------------------

  script(defaultVar: string): Script {
    const assignments: Assignment[] = [];
    let name: string | null = null;
    let outVar = defaultVar;
    let runs = false;

    this.skipTrivia(true);
    if (this.atWord('function')) {
      const header = this.header();
      name = header.name;
      outVar = header.outVar;
    }
    this.outVar = outVar;

    for (;;) {
      this.skipBetween();
      if (this.pos >= this.n) break;
      const c = this.src.charCodeAt(this.pos);
      if (c === SEMI || c === COMMA) { this.pos++; continue; }
      const at = this.pos;
      if (c === LBRACK) { this.binding(at); continue; }
      if (!isNameStart(c)) this.unsupported(at);
      const id = this.name();
      if (id === 'define_constants') {
        this.endStatement('define_constants');
        for (const [k, v] of DEFINE_CONSTANTS) this.bind(k, v);
        this.record(at, at + id.length);
        continue;
      }
      if (id === 'end' && name !== null) {
        // The function's closing `end`: nothing may follow it.
        this.skipTrivia(true);
        while (this.pos < this.n && this.src.charCodeAt(this.pos) === SEMI) { this.pos++; this.skipTrivia(true); }
        if (this.pos < this.n) this.fail(this.pos, 'text after the closing `end` of the function');
        break;
      }
      if (CONTROL.has(id)) {
        this.unsupported(at, `loops, conditionals, function definitions and other control flow are not run; ${SAVECASE}`);
      }
      const a = this.statement(at, id, outVar);
      if (a === 'ran') { runs = true; continue; }
      this.checkNew(a, outVar);
      assignments.push(a);
      if (a.computed) runs = true;
    }
    if (!runs) return { name, outVar, assignments, statements: this.statements };
    // Every statement has been read: run them, then take their results.
    const results = evaluate(this.steps, outVar, (offset, reason) => this.fail(offset, reason));
    const final = assignments.map((a) => {
      const r = results.get(a.path);
      if (!r) return a;
      const rowStarts = a.computed ? (r.value.kind === 'matrix' ? r.value.rows.map(() => a.valueAt) : []) : a.rowStarts;
      return { ...a, value: r.value, rowStarts, ...(r.writes.length > 0 ? { writes: r.writes } : {}) };
    });
    return { name, outVar, assignments: final, statements: this.statements };
  }

  /** Top-level trivia between statements; a `%@` line the writer left (at a line start) notes a statement. */
  private skipBetween(): void {
    const src = this.src;
    while (this.pos < this.n) {
      const p = this.pos;
      const c = src.charCodeAt(p);
      if (c === SP || c === TAB || c === VT || c === FF || c === LF || c === CR) this.pos++;
      else if (c === PERCENT) {
        if (src.charCodeAt(p + 1) === AT_SIGN && (p === 0 || src.charCodeAt(p - 1) === LF || src.charCodeAt(p - 1) === CR)) {
          this.note();
        } else {
          this.skipComment();
        }
      } else if (c === DOT && this.isContinuation()) this.skipContinuation();
      else if (isBinary(c)) this.fail(p, this.binary(c));
      else return;
    }
  }

  /** `%@ text` starts a noted statement, `%@+text` continues it on a new line. */
  private note(): void {
    const src = this.src;
    const p = this.pos;
    const end = this.lineEnd(p);
    this.checkText(p, end);
    const mark = src.charCodeAt(p + 2);
    if (mark === SP) {
      this.statements.push(src.slice(p + 3, end));
      this.lastWasNote = true;
    } else if (mark === PLUS && this.lastWasNote) {
      this.statements[this.statements.length - 1] += '\n' + src.slice(p + 3, end);
    }
    this.pos = end;
  }

  /** Notes the text of a statement from `at` to `end` (its `;` included when one follows). */
  private record(at: number, end: number): void {
    let e = end;
    let p = e;
    while (p < this.n && (this.src.charCodeAt(p) === SP || this.src.charCodeAt(p) === TAB)) p++;
    if (this.src.charCodeAt(p) === SEMI) e = p + 1;
    const text = this.src.slice(at, e);
    this.statements.push(this.hasCR ? text.replace(/\r\n?/g, '\n') : text);
    this.lastWasNote = false;
  }

  /** `name` now stands for `value` (define_constants, `[...] = idx_*`). */
  private bind(name: string, value: number): void {
    this.bound.set(name, value);
    this.vars.delete(name);
    this.forgetRecentNames();
  }

  /** `name` is now a variable, its value known only when the statements run. */
  private declare(name: string): void {
    this.vars.add(name);
    this.bound.delete(name);
    this.forgetRecentNames();
  }

  /** The cache of names read in matrices may hold a name's old meaning. */
  private forgetRecentNames(): void {
    this.recentNames.length = 0;
    this.recentValues.length = 0;
  }

  // Scope, for the statement parser.
  constant(name: string): number | undefined {
    return this.bound.get(name);
  }

  isVariable(name: string): boolean {
    return this.vars.has(name);
  }

  field(path: string): 'value' | 'struct' | 'none' {
    return this.seen.has(path) ? 'value' : this.below.has(path) ? 'struct' : 'none';
  }

  /** `[A, B, ...] = idx_bus;`: names bound by position to idx_bus's outputs. */
  private binding(at: number): void {
    const { fn, names } = this.parser.binding(at);
    const outputs = IDX_OUTPUTS[fn];
    names.forEach((nm, i) => {
      if (nm !== null) this.bind(nm, DEFINE_CONSTANTS.get(outputs[i]) as number);
    });
    this.record(at, this.parser.tokenEnd);
  }

  /** Rejects a second assignment to a field, or to a field and one of its sub-fields. */
  private checkNew(a: Assignment, outVar: string): void {
    const { seen, below } = this;
    const what = label(outVar, a.path);
    const prev = seen.get(a.path);
    if (prev !== undefined) {
      this.fail(a.at, `${what} is assigned twice (first on line ${this.line(prev)}); GridRewire reads each field once`);
    }
    // `below` maps every proper prefix of an assigned path to where it was first extended.
    const sub = below.get(a.path);
    if (sub !== undefined) this.fail(a.at, `${what} conflicts with its sub-field assigned on line ${this.line(sub)}`);
    const prefixes = a.path === '' ? [] : ['', ...prefixesOf(a.path)];
    for (const p of prefixes) {
      const off = seen.get(p);
      if (off !== undefined) this.fail(a.at, `${what} conflicts with ${label(outVar, p)} on line ${this.line(off)}`);
    }
    for (const p of prefixes) if (!below.has(p)) below.set(p, a.at);
    seen.set(a.path, a.at);
  }

  /** `function out = name` or `function [out] = name`, optionally with `()`. */
  private header(): { name: string; outVar: string } {
    const at = this.pos;
    this.pos += 'function'.length;
    this.skipSpaces();
    let bracket = false;
    if (this.src.charCodeAt(this.pos) === LBRACK) { bracket = true; this.pos++; this.skipSpaces(); }
    if (!isNameStart(this.src.charCodeAt(this.pos))) this.badHeader(at);
    const outVar = this.name();
    this.skipSpaces();
    if (bracket) {
      if (this.src.charCodeAt(this.pos) !== RBRACK) this.badHeader(at);
      this.pos++;
      this.skipSpaces();
    }
    if (this.src.charCodeAt(this.pos) !== EQ) this.badHeader(at);
    this.pos++;
    this.skipSpaces();
    if (!isNameStart(this.src.charCodeAt(this.pos))) this.badHeader(at);
    const name = this.name();
    this.skipSpaces();
    if (this.src.charCodeAt(this.pos) === LPAREN) {
      this.pos++;
      this.skipSpaces();
      if (this.src.charCodeAt(this.pos) !== RPAREN) {
        this.fail(this.pos, `function ${name} takes arguments; a MATPOWER data file takes none`);
      }
      this.pos++;
    }
    this.endStatement(`function ${name}`);
    return { name, outVar };
  }

  private badHeader(at: number): never {
    this.fail(at, `expected a header like "function mpc = casename", found "${this.lineText(at)}"`);
  }

  /**
   * A statement starting with a name (already read): `out.a.b = value`, `out.a(ROWS, COLS) = EXPR`
   * or `name = EXPR`. Returns the assignment of a field, 'ran' for a statement that only runs.
   */
  private statement(at: number, root: string, outVar: string): Assignment | 'ran' {
    const parts: string[] = [];
    while (this.src.charCodeAt(this.pos) === DOT && isNameStart(this.src.charCodeAt(this.pos + 1))) {
      this.pos++;
      parts.push(this.name());
    }
    const afterName = this.pos;
    this.skipSpaces();
    const c = this.src.charCodeAt(this.pos);
    const path = parts.join('.');
    if (c === LPAREN) {
      if (root === outVar && parts.length > 0) return this.columnAssignment(at, path);
      this.pos = afterName;
      if (this.vars.has(root) || this.bound.has(root)) {
        this.unsupported(at, `${root}(...) indexes ${root}, which holds one number; only ${outVar} fields are indexed`);
      }
      if (parts.length === 0 && root !== outVar) {
        this.unsupported(at, `calls ${root}, a function GridRewire does not run; ${SAVECASE}`);
      }
      this.unsupported(at);
    }
    if (c !== EQ || this.src.charCodeAt(this.pos + 1) === EQ) this.unsupported(at);
    if (root !== outVar) {
      if (parts.length > 0) {
        this.fail(at, `assignment to "${root}": GridRewire reads only ${outVar} and its fields ` +
          `(found "${this.lineText(at)}")`);
      }
      return this.variable(at, root);
    }
    this.pos++;
    this.skipSpaces();
    const where = label(outVar, path);
    const valueAt = this.pos;
    const v = this.src.charCodeAt(valueAt);
    if (v === LBRACK || v === LBRACE || v === QUOTE || v === DQUOTE) {
      const lit = this.value(where);
      this.endStatement(where);
      const a: Assignment = { path, value: lit.value, at, valueAt, rowStarts: lit.rowStarts };
      this.steps.push({ literal: a });
      return a;
    }
    if (this.pos >= this.n || v === LF || v === CR || v === SEMI || v === COMMA) this.fail(this.pos, `${where} = has no value`);
    if (!(isDigit(v) || v === DOT || v === PLUS || v === MINUS || v === LPAREN || v === TILDE || v === AT_SIGN ||
      isNameStart(v))) {
      this.fail(this.pos, `${where} = ${this.describe(this.pos)}: expected a number, 'text', [matrix] or {cell}`);
    }
    const e = this.parser.rhs(at, where);
    if (isConstant(e)) {
      // A literal, or arithmetic of literals (`mpc.baseMVA = 50/3`): known now, as a matrix element is.
      const x = e.k === 'num' ? e.v : constantValue(e, `cannot evaluate "${this.lineText(at)}": `,
        (offset, reason) => this.fail(offset, reason));
      const a: Assignment = { path, value: { kind: 'scalar', value: x }, at, valueAt, rowStarts: [] };
      this.steps.push({ literal: a });
      return a;
    }
    // Checked for a second assignment by the caller before the statement runs.
    this.steps.push({ run: { k: 'field', path, e, at, quote: this.lineText(at) } });
    this.record(at, this.parser.tokenEnd);
    return { path, value: { kind: 'scalar', value: NaN }, at, valueAt, rowStarts: [], computed: true };
  }

  /** `name = EXPR;`: a variable holding one number. */
  private variable(at: number, name: string): 'ran' {
    this.parser.checkAssignable(name, at);
    this.pos++;
    this.skipSpaces();
    const v = this.src.charCodeAt(this.pos);
    if (this.pos >= this.n || v === LF || v === CR || v === SEMI || v === COMMA) this.fail(this.pos, `${name} = has no value`);
    const e = this.parser.rhs(at, name);
    this.run({ k: 'let', name, e, at, quote: this.lineText(at) });
    this.declare(name);
    return 'ran';
  }

  /** `out.path(ROWS, COLS) = EXPR;`, the cursor on `(`. */
  private columnAssignment(at: number, path: string): 'ran' {
    const where = label(this.outVar, path);
    const state = this.field(path);
    if (state !== 'value') {
      this.fail(at, `cannot evaluate "${this.lineText(at)}": ${where} ${state === 'struct' ? 'holds fields, not numbers' :
        'is changed before it is assigned'}`);
    }
    const [rows, cols] = this.parser.target(at, where);
    this.skipSpaces();
    if (this.src.charCodeAt(this.pos) !== EQ || this.src.charCodeAt(this.pos + 1) === EQ) this.unsupported(at);
    this.pos++;
    const e = this.parser.rhs(at, where);
    this.run({ k: 'set', path, rows, cols, e, at, quote: this.lineText(at) });
    return 'ran';
  }

  private run(s: Statement): void {
    this.steps.push({ run: s });
    this.record(s.at, this.parser.tokenEnd);
  }

  /** A literal [matrix], {cell} or 'text' at `pos`. */
  private value(where: string): { value: MatValue; rowStarts: number[] } {
    const c = this.src.charCodeAt(this.pos);
    if (c === LBRACK) {
      const m = this.matrix(where);
      return { value: { kind: 'matrix', rows: m.rows }, rowStarts: m.rowStarts };
    }
    if (c === LBRACE) {
      const m = this.cell(where);
      return { value: { kind: 'cell', rows: m.rows }, rowStarts: m.rowStarts };
    }
    return { value: { kind: 'string', value: this.scanString() }, rowStarts: [] };
  }

  /** After a statement: only `;`, `,`, a comment or the end of the line may follow. */
  private endStatement(where: string): void {
    this.skipSpaces();
    if (this.pos >= this.n) return;
    const c = this.src.charCodeAt(this.pos);
    if (c === SEMI || c === COMMA || c === LF || c === CR || c === PERCENT) return;
    if (isOperator(c)) {
      this.fail(this.pos, `${where}: ${this.describe(this.pos)} starts an expression; a literal [matrix], {cell} ` +
        `or 'text' is read as it stands, not computed with (evaluate the file in MATPOWER and save it with savecase)`);
    }
    this.fail(this.pos, `${where}: unexpected ${this.describe(this.pos)} after the value`);
  }

  private unsupported(at: number, reason?: string): never {
    const o = this.outVar;
    this.fail(at, `unsupported statement "${this.lineText(at)}": ${reason ?? 'GridRewire reads literal ' +
      `assignments (${o}.field = [...], {...}, 'text' or a number) and the unit conversions of MATPOWER's ` +
      `distribution cases (name = EXPR, ${o}.X(:, COLS) = EXPR, [NAMES] = idx_bus, define_constants); ${SAVECASE}`}`);
  }

  // ---- literal values ------------------------------------------------------

  /** `[ ... ]`: numeric rows split by `;` or newlines, elements by spaces or commas. */
  private matrix(where: string): { rows: number[][]; rowStarts: number[] } {
    const src = this.src;
    const open = this.pos++;
    const rows: number[][] = [];
    const rowStarts: number[] = [];
    // Elements gather in a reused scratch row; each finished row is copied out at its exact size.
    const row = this.scratch;
    let k = 0;
    let rowStart = 0;
    let elemStart = 0;
    let comma = false;
    for (;;) {
      if (this.pos >= this.n) this.unclosed(open, where, ']');
      const c = src.charCodeAt(this.pos);
      if (c === SP || c === TAB) { this.pos++; continue; }
      if (c === LF || c === CR || c === SEMI || c === RBRACK) {
        if (k > 0) {
          if (rows.length > 0 && k !== rows[0].length) this.ragged(where, rows, k, rowStart, rowStarts[0]);
          rows.push(row.slice(0, k));
          rowStarts.push(rowStart);
          k = 0;
        }
        comma = false;
        this.pos++;
        if (c === RBRACK) return { rows, rowStarts };
        continue;
      }
      if (c === COMMA) {
        if (k === 0 || comma) this.fail(this.pos, `unexpected "," in ${where}`);
        comma = true;
        this.pos++;
        continue;
      }
      if (c === PERCENT) { this.skipComment(); continue; }
      if (c === DOT && this.isContinuation()) { this.skipContinuation(); continue; }
      if (k === 0) rowStart = this.pos;
      else if (!comma && (c < D0 || c === CARET) && this.continuesElement(c)) {
        row[k - 1] = this.arithmetic(elemStart, where);
        continue;
      }
      elemStart = this.pos;
      row[k++] = this.element(where);
      comma = false;
    }
  }

  private readonly scratch: number[] = [0.5];

  /** `{ ... }`: rows of 'text' and numbers. */
  private cell(where: string): { rows: MatCell[][]; rowStarts: number[] } {
    const src = this.src;
    const open = this.pos++;
    const rows: MatCell[][] = [];
    const rowStarts: number[] = [];
    let row: MatCell[] = [];
    let rowStart = 0;
    let elemStart = 0;
    let comma = false;
    for (;;) {
      if (this.pos >= this.n) this.unclosed(open, where, '}');
      const c = src.charCodeAt(this.pos);
      if (c === SP || c === TAB) { this.pos++; continue; }
      if (c === LF || c === CR || c === SEMI || c === RBRACE) {
        if (row.length > 0) {
          if (rows.length > 0 && row.length !== rows[0].length) this.ragged(where, rows, row.length, rowStart, rowStarts[0]);
          rows.push(row);
          rowStarts.push(rowStart);
          row = [];
        }
        comma = false;
        this.pos++;
        if (c === RBRACE) return { rows, rowStarts };
        continue;
      }
      if (c === COMMA) {
        if (row.length === 0 || comma) this.fail(this.pos, `unexpected "," in ${where}`);
        comma = true;
        this.pos++;
        continue;
      }
      if (c === PERCENT) { this.skipComment(); continue; }
      if (c === DOT && this.isContinuation()) { this.skipContinuation(); continue; }
      if (row.length === 0) rowStart = this.pos;
      else if (!comma && (c < D0 || c === CARET) && this.continuesElement(c) &&
        typeof row[row.length - 1] === 'number') {
        row[row.length - 1] = this.arithmetic(elemStart, where);
        continue;
      }
      elemStart = this.pos;
      if (c === QUOTE || c === DQUOTE) {
        row.push(this.scanString());
        this.delimiter(where, RBRACE);
      } else {
        row.push(this.element(where, RBRACE));
      }
      comma = false;
    }
  }

  private unclosed(open: number, where: string, close: string): never {
    this.fail(this.n, `the file ends inside ${where}: the "${close === ']' ? '[' : '{'}" on line ${this.line(open)} ` +
      `is never closed by "${close}" (is the file truncated?)`);
  }

  private ragged(where: string, rows: unknown[][], got: number, rowStart: number, firstStart: number): never {
    this.fail(rowStart, `${where} row ${rows.length + 1} has ${got} value${got === 1 ? '' : 's'}, but row 1 ` +
      `(line ${this.line(firstStart)}) has ${rows[0].length}; every row must have the same number of columns`);
  }

  /** One signed number, Inf, NaN or constant name, followed by a delimiter; or arithmetic of them. */
  element(where: string, close = RBRACK): number {
    const src = this.src;
    const start = this.pos;
    let c = src.charCodeAt(start);
    let neg = false;
    if (c === MINUS || c === PLUS) {
      neg = c === MINUS;
      c = src.charCodeAt(++this.pos);
      if (this.pos >= this.n) this.fail(this.pos, `the file ends in the middle of ${where} (is it truncated?)`);
      if (!(isDigit(c) || c === DOT || isNameStart(c))) return this.arithmetic(start, where); // `- 5`, `-(1)`
    }
    let v: number;
    if (isDigit(c) || (c === DOT && isDigit(src.charCodeAt(this.pos + 1)))) {
      v = this.scanNumber();
    } else if (isNameStart(c)) {
      v = this.namedValue(start, where);
      if (this.callFollows) { this.callFollows = false; return this.arithmetic(start, where); }
    } else {
      return this.notANumber(start, c, where);
    }
    if (!this.delimiter(where, close)) return this.arithmetic(start, where);
    return neg ? -v : v;
  }

  /** An element starting with something other than a sign, digit or name (kept out of element(), the hot path). */
  private notANumber(start: number, c: number, where: string): number {
    if (c === LPAREN) return this.arithmetic(start, where);
    if (c === QUOTE || c === DQUOTE) this.fail(this.pos, `text in ${where}, which holds numbers only`);
    if (c === LBRACK || c === LBRACE) {
      this.fail(this.pos, `nested '${String.fromCharCode(c)}' in ${where}: GridRewire reads flat matrices only`);
    }
    this.fail(this.pos, `${this.describe(this.pos)} in ${where}: expected a number`);
  }

  /**
   * An element with arithmetic (`135/sqrt(3)`, `-50/3`, `90 - 5`), read again from `start`
   * by the expression parser; its value is known as it is read (numbers and constants only).
   */
  arithmetic(start: number, where: string): number {
    this.pos = start;
    const e = this.parser.element(start, where);
    return constantValue(e, `${where}: `, (offset, reason) => this.fail(offset, reason));
  }

  /** At an element's start: whether a binary operator continues the element before it (`[90 - 5]`, `[2 * 3]`). */
  continuesElement(c: number): boolean {
    const d = this.src.charCodeAt(this.pos + 1);
    if (c === MINUS || c === PLUS) return d === SP || d === TAB; // `[1 -2]` holds two elements
    if (c === STAR || c === SLASH || c === CARET) return true;
    return c === DOT && (d === STAR || d === SLASH || d === CARET);
  }

  /** After an element: a space, separator, comment, continuation or the closing bracket; false when arithmetic follows. */
  private delimiter(where: string, close: number): boolean {
    if (this.pos >= this.n) return true;
    const c = this.src.charCodeAt(this.pos);
    if (c === SP || c === TAB || c === COMMA || c === SEMI || c === LF || c === CR || c === PERCENT ||
      c === close || (c === DOT && this.isContinuation())) return true;
    const d = this.src.charCodeAt(this.pos + 1);
    if (c === DOT && (d === STAR || d === SLASH || d === CARET)) return false; // `1.5.*2`
    if (c === DOT || isNameChar(c)) {
      // Glued to the element: "1.2.3", "12abc", "1e5x".
      let s = this.pos, e = this.pos;
      while (s > 0 && !isSeparator(this.src.charCodeAt(s - 1))) s--;
      while (e < this.n && !isSeparator(this.src.charCodeAt(e)) && e - s < 40) e++;
      this.fail(s, `"${this.src.slice(s, e)}" in ${where} is not a number`);
    }
    // An operator: the expression parser reads the element again and says what it cannot evaluate.
    if (isOperator(c) && c !== EQ && c !== LBRACE && c !== LBRACK) return false;
    this.fail(this.pos, `${this.describe(this.pos)} in ${where}: not a number`);
  }

  /** A name at `pos` as a value; recent names are matched in place, without slicing (tables repeat a few names). */
  private namedValue(start: number, where: string): number {
    const src = this.src;
    const p0 = this.pos;
    let p = p0 + 1;
    while (p < this.n && isNameChar(src.charCodeAt(p)) && p - p0 <= MAX_NAME) p++;
    const len = p - p0;
    const names = this.recentNames;
    for (let i = 0; i < names.length; i++) {
      const nm = names[i];
      if (nm.length === len && src.startsWith(nm, p0)) { this.pos = p; return this.recentValues[i]; }
    }
    const id = this.name();
    if (src.charCodeAt(this.pos) === LPAREN && Object.prototype.hasOwnProperty.call(FUNCTIONS, id) &&
      !this.bound.has(id) && !this.vars.has(id)) {
      this.callFollows = true; // `sqrt(3)`: element() reads it as arithmetic
      return 0;
    }
    const v = this.matrixName(id, start, where);
    if (names.length < 16) { names.push(src.slice(p0, p)); this.recentValues.push(v); }
    return v;
  }

  private readonly recentNames: string[] = [];
  private readonly recentValues: number[] = [];
  /** Set by namedValue when the name is a function called in a matrix. */
  private callFollows = false;

  /** A name inside a literal matrix at `at` (for the expression parser). */
  literalName(name: string, at: number, where: string): number {
    return this.matrixName(name, at, where);
  }

  /** The value of a name inside a matrix: Inf, NaN or a name define_constants or `[...] = idx_*` bound. */
  private matrixName(id: string, start: number, where: string): number {
    if (id === 'Inf' || id === 'inf') return Infinity;
    if (id === 'NaN' || id === 'nan') return NaN;
    if (id === 'pi') return Math.PI;
    const k = this.bound.get(id);
    if (k !== undefined) return k;
    if (this.lenient) return 0;
    if (this.vars.has(id)) {
      this.fail(start, `${id} in ${where} is a variable of the file; a literal matrix holds numbers, Inf, NaN and ` +
        'MATPOWER constant names only');
    }
    if (DEFINE_CONSTANTS.has(id)) {
      this.fail(start, `${id} in ${where} is a MATPOWER constant, but "define_constants;" does not come before it`);
    }
    const hint = id === this.outVar ? ` (is the ']' or '}' closing ${where} missing?)` : '';
    this.fail(start, `"${id}" in ${where} is not a number${hint}; only numbers, Inf, NaN and ` +
      'MATPOWER constant names are accepted');
  }

  /** An unsigned decimal literal at `pos`: digits [. digits] [e[+-]digits]. */
  private scanNumber(): number {
    const src = this.src;
    const start = this.pos;
    let p = start;
    let m = 0;         // up to 15 significant digits, exact in a double
    let sig = 0;
    let frac = 0;      // digits of m after the decimal point
    let slow = false;  // more digits than the fast path can hold
    let c = src.charCodeAt(p);
    while (isDigit(c)) {
      if (sig < 15) { m = m * 10 + (c - D0); if (m !== 0) sig++; } else slow = true;
      if (++p - start > MAX_NUMBER) this.tooLong(start);
      c = src.charCodeAt(p);
    }
    if (c === DOT && !(src.charCodeAt(p + 1) === DOT && src.charCodeAt(p + 2) === DOT)) {
      c = src.charCodeAt(++p);
      while (isDigit(c)) {
        if (sig < 15) { m = m * 10 + (c - D0); if (m !== 0) sig++; frac++; } else slow = true;
        if (++p - start > MAX_NUMBER) this.tooLong(start);
        c = src.charCodeAt(p);
      }
    }
    let exp = 0;
    if (c === 101 || c === 69) { // e E
      let q = p + 1;
      let ec = src.charCodeAt(q);
      let eneg = false;
      if (ec === PLUS || ec === MINUS) { eneg = ec === MINUS; ec = src.charCodeAt(++q); }
      if (!isDigit(ec)) {
        this.pos = q;
        this.fail(start, `malformed number "${src.slice(start, Math.min(q + 1, start + 40))}"`);
      }
      while (isDigit(ec)) {
        if (exp < 100000) exp = exp * 10 + (ec - D0);
        if (++q - start > MAX_NUMBER) this.tooLong(start);
        ec = src.charCodeAt(q);
      }
      if (eneg) exp = -exp;
      p = q;
    }
    this.pos = p;
    if (!slow) {
      const k = exp - frac;
      // One correctly rounded operation on exact operands (Clinger's fast path).
      if (k === 0) return m;
      if (k > 0 && k <= 22) return m * POW10[k];
      if (k < 0 && k >= -22) return m / POW10[-k];
    }
    return Number(src.slice(start, p));
  }

  private tooLong(start: number): never {
    this.fail(start, `a number longer than ${MAX_NUMBER} characters: this is not MATPOWER data`);
  }

  /** A 'single' or "double" quoted string; a doubled quote stands for one. */
  scanString(): string {
    const src = this.src;
    const q = src.charCodeAt(this.pos);
    const quote = q === QUOTE ? "'" : '"';
    const open = this.pos;
    let p = open + 1;
    let out = '';
    for (;;) {
      const close = src.indexOf(quote, p);
      if (close < 0) this.unclosedText(open, quote);
      const stop = close;
      if (stop - p > 256) {
        // Long stretch: let indexOf and a regular expression do the scanning.
        if (this.lineEnd(p) < stop) this.unclosedText(open, quote);
        this.checkText(p, stop);
      } else {
        for (let i = p; i < stop; i++) {
          const c = src.charCodeAt(i);
          if (c === LF || c === CR) this.unclosedText(open, quote);
          if (isBinary(c)) this.fail(i, this.binary(c));
        }
      }
      if (src.charCodeAt(close + 1) === q) { out += src.slice(p, close + 1); p = close + 2; continue; }
      out += src.slice(p, close);
      this.pos = close + 1;
      return out;
    }
  }

  private unclosedText(open: number, quote: string): never {
    this.fail(open, `text starting here is never closed: the line ends before its closing ${quote}`);
  }

  readName(): string {
    return this.name();
  }

  readNumber(): number {
    return this.scanNumber();
  }

  private name(): string {
    const src = this.src;
    const start = this.pos;
    let p = start + 1;
    while (p < this.n && isNameChar(src.charCodeAt(p)) && p - start <= MAX_NAME) p++;
    if (p - start > MAX_NAME) this.fail(start, `a name longer than ${MAX_NAME} characters: this is not MATPOWER data`);
    this.pos = p;
    return src.slice(start, p);
  }

  private atWord(w: string): boolean {
    return this.src.startsWith(w, this.pos) && !isNameChar(this.src.charCodeAt(this.pos + w.length));
  }

  // ---- whitespace, comments, continuations ---------------------------------

  /** Skips spaces, comments, continuations and (if `newlines`) line ends. */
  private skipTrivia(newlines: boolean): void {
    while (this.pos < this.n) {
      const c = this.src.charCodeAt(this.pos);
      if (c === SP || c === TAB || c === VT || c === FF) this.pos++;
      else if (c === LF || c === CR) { if (!newlines) return; this.pos++; }
      else if (c === PERCENT) this.skipComment();
      else if (c === DOT && this.isContinuation()) this.skipContinuation();
      else if (isBinary(c)) this.fail(this.pos, this.binary(c));
      else return;
    }
  }

  /** Spaces, comments and continuations within one statement. */
  skipSpaces(): void {
    this.skipTrivia(false);
  }

  /** Between elements of a matrix row (for elementOffset). */
  skipInRow(): void {
    while (this.pos < this.n) {
      const c = this.src.charCodeAt(this.pos);
      if (c === SP || c === TAB || c === COMMA) this.pos++;
      else if (c === DOT && this.isContinuation()) this.skipContinuation();
      else if (c === PERCENT) this.skipComment();
      else if (c === LF || c === CR) this.pos++;
      else return;
    }
  }

  private isContinuation(): boolean {
    return this.src.charCodeAt(this.pos + 1) === DOT && this.src.charCodeAt(this.pos + 2) === DOT;
  }

  /** `...` and the rest of its line, line end included: the statement goes on. */
  private skipContinuation(): void {
    this.pos += 3;
    this.skipLine();
    if (this.src.charCodeAt(this.pos) === CR) this.pos++;
    if (this.src.charCodeAt(this.pos) === LF) this.pos++;
  }

  /** `% ...` to the end of the line (not consumed), or a `%{ ... %}` block. */
  private skipComment(): void {
    if (this.src.charCodeAt(this.pos + 1) === LBRACE && this.blockMarker(this.pos, LBRACE)) {
      this.skipBlockComment();
      return;
    }
    this.skipLine();
  }

  /** Moves to the next line end without consuming it; rejects binary data on the way. */
  private skipLine(): void {
    const end = this.lineEnd(this.pos);
    this.checkText(this.pos, end);
    this.pos = end;
  }

  /** Offset of the first LF or CR at or after `p`, or the end of the text. */
  private lineEnd(p: number): number {
    const src = this.src;
    if (!this.hasCR) {
      const i = src.indexOf('\n', p);
      return i < 0 ? this.n : i;
    }
    for (; p < this.n; p++) {
      const c = src.charCodeAt(p);
      if (c === LF || c === CR) break;
    }
    return p;
  }

  /** Rejects binary data in comments and text, which are otherwise not looked at. */
  private checkText(from: number, to: number): void {
    const src = this.src;
    if (to - from > 256) {
      const m = BINARY_RE.exec(src.slice(from, to));
      if (m) this.fail(from + m.index, this.binary(m[0].charCodeAt(0)));
      return;
    }
    for (let p = from; p < to; p++) {
      const c = src.charCodeAt(p);
      if (isBinary(c)) this.fail(p, this.binary(c));
    }
  }

  /** Whether `%{` / `%}` at `p` is alone on its line, which makes it a block-comment marker. */
  private blockMarker(p: number, brace: number): boolean {
    const src = this.src;
    if (src.charCodeAt(p) !== PERCENT || src.charCodeAt(p + 1) !== brace) return false;
    for (let i = p - 1; i >= 0; i--) {
      const c = src.charCodeAt(i);
      if (c === LF || c === CR) break;
      if (c !== SP && c !== TAB) return false;
    }
    for (let i = p + 2; i < this.n; i++) {
      const c = src.charCodeAt(i);
      if (c === LF || c === CR) break;
      if (c !== SP && c !== TAB) return false;
    }
    return true;
  }

  /** MATLAB block comments nest; they end at a line holding only `%}`. */
  private skipBlockComment(): void {
    const open = this.pos;
    let depth = 0;
    while (this.pos < this.n) {
      // At the start of a marker line or inside the block: look at this line.
      let p = this.pos;
      while (p < this.n && (this.src.charCodeAt(p) === SP || this.src.charCodeAt(p) === TAB)) p++;
      if (this.blockMarker(p, LBRACE)) depth++;
      else if (this.blockMarker(p, RBRACE)) depth--;
      this.skipLine();
      if (depth === 0) return;
      if (this.src.charCodeAt(this.pos) === CR) this.pos++;
      if (this.src.charCodeAt(this.pos) === LF) this.pos++;
    }
    this.fail(open, "block comment '%{' is never closed by a line holding only '%}'");
  }

  // ---- messages ------------------------------------------------------------

  private binary(c: number): string {
    const what = c === REPLACEMENT ? 'an invalid UTF-8 sequence' : `control byte 0x${c.toString(16).padStart(2, '0')}`;
    return `${what}: this is binary data, not a MATPOWER text file (a .mat file or compressed archive?)`;
  }

  describe(p: number): string {
    if (p >= this.n) return 'end of file';
    const c = this.src.charCodeAt(p);
    if (isBinary(c)) return this.binary(c);
    return `"${String.fromCodePoint(this.src.codePointAt(p) ?? c)}"`;
  }

  /** The statement's line from `at`, shortened for messages. */
  lineText(at: number): string {
    let e = at;
    while (e < this.n && e - at < 200) {
      const c = this.src.charCodeAt(e);
      if (c === LF || c === CR) break;
      e++;
    }
    const t = this.src.slice(at, e).trim();
    return t.length > 60 ? t.slice(0, 57) + '...' : t;
  }
}

/** Ends a matrix element: white space, separators, brackets, comment start. */
const isSeparator = (c: number): boolean =>
  c === SP || c === TAB || c === LF || c === CR || c === COMMA || c === SEMI || c === PERCENT ||
  c === LBRACK || c === RBRACK || c === LBRACE || c === RBRACE;

const isOperator = (c: number): boolean =>
  c === PLUS || c === MINUS || c === STAR || c === SLASH || c === BACKSLASH || c === CARET ||
  c === LPAREN || c === RPAREN || c === QUOTE || c === DOT || c === EQ || c === LBRACE || c === LBRACK;

/** 'a', 'a.b' for 'a.b.c'. */
function prefixesOf(path: string): string[] {
  const out: string[] = [];
  for (let i = path.indexOf('.'); i >= 0; i = path.indexOf('.', i + 1)) out.push(path.slice(0, i));
  return out;
}

/** `mpc.bus` for path 'bus', `chgtab` for ''. */
export function label(outVar: string, path: string): string {
  return path === '' ? outVar : `${outVar}.${path}`;
}

