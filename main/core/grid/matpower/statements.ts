// The statements of a MATPOWER file beyond literal assignments: the unit
// conversions MATPOWER's distribution cases end with (`[PQ, PV, ...] =
// idx_bus;`, `Vbase = mpc.bus(1, BASE_KV) * 1e3;`, `mpc.branch(:, [BR_R
// BR_X]) = mpc.branch(:, [BR_R BR_X]) / (Vbase^2 / Sbase);`), and arithmetic
// of literals in a field or a matrix element (`50/3`, `135/sqrt(3)`). This
// module parses them into a small tree and checks every name against what the
// file bound before; evaluate.ts runs the tree once the whole file has been
// read. Nothing else is understood: loops, conditionals, calls of other
// functions, comparisons (and so logical indexing), transposes and matrix
// products are refused where they stand, so nothing in a file reaches beyond
// its data.

import { DEFINE_CONSTANTS, FUNCTIONS, IDX_OUTPUTS } from './constants';

/** An expression; `at` is the offset of its first character (of the operator for `bin`). */
export type Expr =
  /** A number; `literal` when it is written as one (`-5`, `Inf`, `PD`), not computed. */
  | { k: 'num'; v: number; at: number; literal: boolean }
  /** A variable the file assigned (`Vbase`), read when the statement runs. */
  | { k: 'var'; name: string; at: number }
  /** `end` inside an index: the size of the dimension indexed. */
  | { k: 'end'; at: number }
  /** `mpc.path`, or `mpc.path(ROWS, COLS)`. */
  | { k: 'field'; path: string; at: number; index: [Index, Index] | null }
  | { k: 'neg'; e: Expr; at: number }
  | { k: 'bin'; op: BinOp; a: Expr; b: Expr; at: number }
  | { k: 'call'; fn: string; arg: Expr; at: number };

export type BinOp = '+' | '-' | '*' | '/' | '^' | '.*' | './' | '.^';

/** One index of `X(ROWS, COLS)`: `:`, or numbers picked by expressions, ranges and `[ ]` lists. */
export type Index = { k: 'all'; at: number } | { k: 'pick'; picks: Pick[]; at: number };
export type Pick = { k: 'one'; e: Expr; at: number } | { k: 'range'; lo: Expr; hi: Expr; at: number; hiAt: number };

/** A statement that runs after the file is read. */
export type Run =
  /** `name = EXPR;`: a variable holding one number. */
  | { k: 'let'; name: string; e: Expr }
  /** `mpc.path = EXPR;` reading variables or fields (arithmetic of literals is folded as it is read). */
  | { k: 'field'; path: string; e: Expr }
  /** `mpc.path(ROWS, COLS) = EXPR;` */
  | { k: 'set'; path: string; rows: Index; cols: Index; e: Expr };

/** A statement as run, with where it stands and how error messages quote it. */
export type Statement = Run & { at: number; quote: string };

/** The reader's cursor, as this parser needs it. */
export interface Scanner {
  readonly src: string;
  readonly n: number;
  pos: number;
  fail(offset: number, reason: string): never;
  /** Spaces, tabs, comments and `...` continuations; never a line end. */
  skipSpaces(): void;
  /** A name at `pos` (its first character checked by the caller). */
  readName(): string;
  /** An unsigned number literal at `pos`, exactly as in a matrix. */
  readNumber(): number;
  /** The statement's line from `at`, shortened for messages. */
  lineText(at: number): string;
  describe(p: number): string;
}

/** What the file has bound before the statement being read. */
export interface Scope {
  readonly outVar: string;
  /** The value of a name bound by define_constants or `[...] = idx_*`. */
  constant(name: string): number | undefined;
  /** Whether `name = ...` assigned the name. */
  isVariable(name: string): boolean;
  /** 'value' when outVar.path is assigned, 'struct' when only fields below it are, else 'none'. */
  field(path: string): 'value' | 'struct' | 'none';
  /** A name inside a literal matrix: its value, or the reader's error for it. */
  literalName(name: string, at: number, where: string): number;
}

export const SAVECASE = 'run the file in MATPOWER and save the result with savecase';

const FUNCTION_LIST = 'sin, cos, tan, asin, acos, atan, sqrt, abs, exp and log';
const IDX_LIST = 'idx_bus, idx_brch, idx_gen, idx_cost and idx_ct';

/** Deepest nesting of parentheses and indices: junk such as "((((..." is refused, not recursed into. */
const MAX_NESTING = 64;
/** Most operands in one statement (or one matrix element), and most signs in a row: bounds time and stack. */
const MAX_OPERANDS = 1000;
const MAX_SIGNS = 64;
/** Most names in a `[...] = idx_*` list (idx_ct, the longest, returns 28). */
const MAX_NAMES = 64;

/** Whether `e` is made of numbers alone (no variable, field or `end`): its value is known as it is read. */
export function isConstant(e: Expr): boolean {
  switch (e.k) {
    case 'num': return true;
    case 'neg': return isConstant(e.e);
    case 'call': return isConstant(e.arg);
    case 'bin': return isConstant(e.a) && isConstant(e.b);
    default: return false;
  }
}

/** Names a file may not assign: they keep their MATLAB meaning here. */
export function reservedName(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(FUNCTIONS, name) || name === 'Inf' || name === 'inf' ||
    name === 'NaN' || name === 'nan' || name === 'pi' || name === 'end' || name === 'define_constants' ||
    Object.prototype.hasOwnProperty.call(IDX_OUTPUTS, name);
}

// Character codes.
const TAB = 9, LF = 10, CR = 13, SP = 32, DQUOTE = 34, AMP = 38, QUOTE = 39, LPAREN = 40, RPAREN = 41,
  STAR = 42, PLUS = 43, COMMA = 44, MINUS = 45, DOT = 46, SLASH = 47, COLON = 58, SEMI = 59, LT = 60,
  EQ = 61, GT = 62, AT = 64, LBRACK = 91, BACKSLASH = 92, RBRACK = 93, CARET = 94, LBRACE = 123,
  BAR = 124, TILDE = 126;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isNameStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isNameChar = (c: number): boolean => isNameStart(c) || isDigit(c) || c === 95;
const isBlank = (c: number): boolean => c === SP || c === TAB;
/** Where a statement may end: `;`, `,`, a line end or the end of the file. */
const endsStatement = (c: number): boolean => c === SEMI || c === COMMA || c === LF || c === CR || Number.isNaN(c);

export class StatementParser {
  /** Offset of the statement being read, for messages. */
  private stmtAt = 0;
  /** What the statement assigns (`mpc.baseMVA`, `Vbase`), for messages. */
  private where = '';
  /** Depth of `X(...)` indices around the cursor: `end` means something only inside one. */
  private depth = 0;
  /** Inside a `[ ]` list (and not inside parentheses within it): blanks separate elements. */
  private inList = false;
  /** End of the last token read: the statement's text ends here. */
  tokenEnd = 0;
  /** Reading an element of a literal matrix: numbers, constants and functions only. */
  private constantOnly = false;
  private nesting = 0;
  private operands = 0;

  constructor(private readonly r: Scanner, private readonly scope: Scope) {}

  private code(p: number): number {
    return this.r.src.charCodeAt(p);
  }

  unsupported(at: number, reason: string): never {
    if (this.constantOnly) this.r.fail(at, `${this.where}: ${reason}`);
    this.r.fail(at, `unsupported statement "${this.r.lineText(this.stmtAt)}": ${reason}`);
  }

  private undefinedHere(at: number, reason: string): never {
    if (this.constantOnly) this.r.fail(at, `${this.where}: ${reason}`);
    this.r.fail(at, `cannot evaluate "${this.r.lineText(this.stmtAt)}": ${reason}`);
  }

  /**
   * An element of a literal matrix that holds arithmetic (`135/sqrt(3)`, `-50/3`, `90 - 5`),
   * from `at` up to where MATLAB's rules for blanks in [ ] end it. Names are read as in a
   * matrix (constants, Inf, NaN); variables and fields are refused.
   */
  element(at: number, where: string): Expr {
    const saved = { stmtAt: this.stmtAt, where: this.where, depth: this.depth, inList: this.inList };
    this.stmtAt = at;
    this.where = where;
    this.depth = 0;
    this.inList = true;
    this.constantOnly = true;
    this.nesting = 0;
    this.operands = 0;
    try {
      return this.expr();
    } finally {
      this.constantOnly = false;
      ({ stmtAt: this.stmtAt, where: this.where, depth: this.depth, inList: this.inList } = saved);
    }
  }

  private enter(at: number): void {
    if (++this.nesting > MAX_NESTING) this.unsupported(at, `parentheses and indices nested more than ${MAX_NESTING} deep`);
  }

  // ---- statements ----------------------------------------------------------

  /** `[A, B, ~, ...] = idx_xxx;` with the cursor on `[`; null stands for a `~` placeholder. */
  binding(at: number): { fn: string; names: (string | null)[] } {
    const r = this.r;
    this.stmtAt = at;
    r.pos++;
    const names: (string | null)[] = [];
    const nameAt: number[] = [];
    for (;;) {
      r.skipSpaces();
      const c = this.code(r.pos);
      if (c === COMMA) { r.pos++; continue; }
      if (c === RBRACK) { r.pos++; break; }
      if (names.length >= MAX_NAMES) this.unsupported(r.pos, `more than ${MAX_NAMES} names in a [ ... ] list`);
      if (c === TILDE) { names.push(null); nameAt.push(r.pos); r.pos++; continue; }
      if (isNameStart(c)) { nameAt.push(r.pos); names.push(r.readName()); continue; }
      if (c === LF || c === CR || r.pos >= r.n) {
        this.unsupported(r.pos, 'the [ ... ] list of names ends with the line; continue a long list with "..."');
      }
      this.unsupported(r.pos, `${r.describe(r.pos)} in a [ ... ] list of names: only names and ~ may stand there`);
    }
    r.skipSpaces();
    if (this.code(r.pos) !== EQ || this.code(r.pos + 1) === EQ) {
      this.unsupported(at, 'a [ ... ] list of names must be followed by "= idx_bus" (or idx_brch, idx_gen, idx_cost, idx_ct)');
    }
    r.pos++;
    r.skipSpaces();
    const fnAt = r.pos;
    if (!isNameStart(this.code(fnAt))) this.unsupported(fnAt, `[...] = ${r.describe(fnAt)}: only ${IDX_LIST} are evaluated here`);
    const fn = r.readName();
    if (!Object.prototype.hasOwnProperty.call(IDX_OUTPUTS, fn)) {
      this.unsupported(fnAt, `[...] = ${fn} calls ${fn}, a function GridRewire does not run; only ${IDX_LIST} are evaluated here`);
    }
    this.tokenEnd = r.pos;
    r.skipSpaces();
    if (this.code(r.pos) === LPAREN) {
      r.pos++;
      r.skipSpaces();
      if (this.code(r.pos) !== RPAREN) this.unsupported(r.pos, `${fn} takes no arguments`);
      r.pos++;
      this.tokenEnd = r.pos;
    }
    this.endOf('after the function name');
    const outputs = IDX_OUTPUTS[fn];
    if (names.length === 0) this.unsupported(at, 'the [ ] list names no variables');
    if (names.length > outputs.length) {
      this.undefinedHere(nameAt[outputs.length], `${fn} returns ${outputs.length} values, but the list names ${names.length}`);
    }
    names.forEach((nm, i) => { if (nm !== null) this.checkAssignable(nm, nameAt[i], at); });
    return { fn, names };
  }

  /** Refuses to assign the output variable or a name that keeps its MATLAB meaning. */
  checkAssignable(name: string, at: number, stmtAt = at): void {
    this.stmtAt = stmtAt;
    if (name === this.scope.outVar) {
      this.unsupported(at, `${name} is the case itself; assign its fields (${name}.bus = [...]) instead`);
    }
    if (reservedName(name)) this.unsupported(at, `${name} is MATLAB's own; a case file may not redefine it`);
  }

  /** The expression right of `=`, up to the end of the statement (not consumed). */
  rhs(stmtAt: number, where: string): Expr {
    this.stmtAt = stmtAt;
    this.where = where;
    this.depth = 0;
    this.inList = false;
    this.nesting = 0;
    this.operands = 0;
    const e = this.expr();
    this.endOf('after the expression');
    return e;
  }

  /** `(ROWS, COLS)` after `mpc.path` on the left of `=`, the cursor on `(`. */
  target(stmtAt: number, where: string): [Index, Index] {
    this.stmtAt = stmtAt;
    this.where = where;
    this.depth = 0;
    this.inList = false;
    this.nesting = 0;
    this.operands = 0;
    return this.indexPair(where);
  }

  /** After the statement: `;`, `,`, a comment, the line end or the end of the file. */
  private endOf(what: string): void {
    this.r.skipSpaces();
    if (endsStatement(this.code(this.r.pos))) return;
    this.stray(what);
  }

  /** What stands at the cursor cannot continue the expression: say why in the file's terms. */
  private stray(what: string): never {
    const r = this.r;
    const p = r.pos;
    const c = this.code(p);
    const d = this.code(p + 1);
    if (c === LT || c === GT || c === AMP || c === BAR || c === TILDE || (c === EQ && d === EQ)) {
      const op = r.src.slice(p, p + (d === EQ || (c === AMP && d === AMP) || (c === BAR && d === BAR) ? 2 : 1));
      this.unsupported(p, `comparisons and logical operators ("${op}") are not evaluated, nor is the logical ` +
        `indexing they serve; ${SAVECASE}`);
    }
    if (c === QUOTE || (c === DOT && d === QUOTE)) this.unsupported(p, `transposes are not evaluated; ${SAVECASE}`);
    if (c === BACKSLASH || (c === DOT && d === BACKSLASH)) {
      this.unsupported(p, `left division ("\\") is not evaluated; ${SAVECASE}`);
    }
    if (c === COLON) {
      this.unsupported(p, this.depth > 0
        ? 'a range is a:b with a number at each end; a step (a:s:b) is not evaluated'
        : 'a colon range is evaluated only as an index, as in mpc.bus(2:end, PD)');
    }
    if (c === LPAREN) this.unsupported(p, 'only mpc fields can be indexed, and an index cannot be indexed again');
    if (c === EQ) this.unsupported(p, 'unexpected "=": a statement assigns one thing');
    if (c === DQUOTE) this.unsupported(p, 'text inside an expression is not evaluated');
    if (p >= r.n) this.unsupported(p, `the file ends ${what}`);
    this.unsupported(p, `unexpected ${r.describe(p)} ${what}`);
  }

  // ---- expressions, lowest precedence first (MATLAB's order) ---------------

  private expr(): Expr {
    const r = this.r;
    let a = this.term();
    for (;;) {
      r.skipSpaces();
      const at = r.pos;
      const c = this.code(at);
      if (c !== PLUS && c !== MINUS) return a;
      // In a list, `[a -b]` holds two elements and `[a - b]` one, as in MATLAB.
      if (this.inList && isBlank(this.code(at - 1)) && !isBlank(this.code(at + 1))) return a;
      r.pos++;
      const b = this.term();
      a = { k: 'bin', op: c === PLUS ? '+' : '-', a, b, at };
    }
  }

  /** `*`, `/` and their elementwise forms. */
  private term(): Expr {
    const r = this.r;
    let a = this.unary();
    for (;;) {
      r.skipSpaces();
      const at = r.pos;
      const c = this.code(at);
      const d = this.code(at + 1);
      let op: BinOp;
      if (c === STAR) op = '*';
      else if (c === SLASH) op = '/';
      else if (c === DOT && d === STAR) op = '.*';
      else if (c === DOT && d === SLASH) op = './';
      else if (c === BACKSLASH || (c === DOT && d === BACKSLASH)) this.stray('');
      else return a;
      r.pos += op.length;
      const b = this.unary();
      a = { k: 'bin', op, a, b, at };
    }
  }

  /** Unary minus binds looser than `^`: -2^2 is -4. */
  private unary(): Expr {
    return this.signs(() => this.power());
  }

  /** Leading signs, counted in a loop (a run of them is junk, not a reason to recurse), then `operand`. */
  private signs(operand: () => Expr): Expr {
    const r = this.r;
    r.skipSpaces();
    const at = r.pos;
    let minus = false;
    for (let k = 0; ; k++) {
      const c = this.code(r.pos);
      if (c !== MINUS && c !== PLUS) break;
      if (k === MAX_SIGNS) this.unsupported(r.pos, `more than ${MAX_SIGNS} signs in a row: this is not MATPOWER data`);
      if (c === MINUS) minus = !minus;
      r.pos++;
      r.skipSpaces();
    }
    const e = operand();
    return minus ? negate(e, at) : e;
  }

  /** `^` and `.^`, left to right (2^3^2 is 64); the exponent may carry signs (2^-2). */
  private power(): Expr {
    const r = this.r;
    let a = this.postfix();
    for (;;) {
      r.skipSpaces();
      const at = r.pos;
      const c = this.code(at);
      let op: BinOp;
      if (c === CARET) op = '^';
      else if (c === DOT && this.code(at + 1) === CARET) op = '.^';
      else return a;
      r.pos += op.length;
      const b = this.exponent();
      a = { k: 'bin', op, a, b, at };
    }
  }

  private exponent(): Expr {
    return this.signs(() => this.postfix());
  }

  /** An operand; a transpose glued to it is refused here. */
  private postfix(): Expr {
    const e = this.primary();
    const c = this.code(this.r.pos);
    if (c === QUOTE || (c === DOT && this.code(this.r.pos + 1) === QUOTE)) this.stray('');
    return e;
  }

  private primary(): Expr {
    const r = this.r;
    r.skipSpaces();
    const at = r.pos;
    const c = this.code(at);
    if (++this.operands > MAX_OPERANDS) {
      this.unsupported(at, `more than ${MAX_OPERANDS} operands in one expression: this is not MATPOWER data`);
    }
    if (isDigit(c) || (c === DOT && isDigit(this.code(at + 1)))) return this.number();
    if (isNameStart(c)) return this.named();
    if (c === LPAREN) {
      r.pos++;
      this.enter(at);
      const e = this.inner(() => this.expr());
      this.close(RPAREN, at, '(');
      this.nesting--;
      return e.k === 'num' ? { ...e, literal: false } : e;
    }
    if (c === LBRACK) {
      this.unsupported(at, `a [matrix] inside an expression is not evaluated; a literal matrix stands alone, as in ` +
        `${this.scope.outVar}.field = [...]`);
    }
    if (c === LBRACE) this.unsupported(at, 'a {cell} inside an expression is not evaluated');
    if (c === QUOTE || c === DQUOTE) this.unsupported(at, 'text inside an expression is not evaluated');
    if (c === AT) this.unsupported(at, `anonymous functions ("@") are not evaluated; ${SAVECASE}`);
    if (c === TILDE || c === COLON) this.stray('');
    if (endsStatement(c) || c === RPAREN || c === RBRACK) {
      this.unsupported(at, 'the expression ends where an operand (a number, a name or "(") should be');
    }
    this.unsupported(at, `unexpected ${r.describe(at)} where an operand (a number, a name or "(") should be`);
  }

  /** Runs `f` outside any `[ ]` list (parentheses restore blanks as plain spaces). */
  private inner<T>(f: () => T): T {
    const saved = this.inList;
    this.inList = false;
    try {
      return f();
    } finally {
      this.inList = saved;
    }
  }

  private close(code: number, openAt: number, open: string): void {
    const r = this.r;
    r.skipSpaces();
    if (this.code(r.pos) === code) { r.pos++; this.tokenEnd = r.pos; return; }
    const c = this.code(r.pos);
    if (c === LF || c === CR || c === SEMI || r.pos >= r.n) {
      const closing = String.fromCharCode(code);
      this.unsupported(r.pos, `the "${open}" at column ${openAt - this.lineStart(openAt) + 1} is never closed by "${closing}"`);
    }
    this.stray(`where "${String.fromCharCode(code)}" should close the "${open}"`);
  }

  private lineStart(p: number): number {
    let i = p;
    while (i > 0 && this.code(i - 1) !== LF && this.code(i - 1) !== CR) i--;
    return i;
  }

  /** A number literal; one glued to letters or a second dot is not a number. */
  private number(): Expr {
    const r = this.r;
    const at = r.pos;
    // `2./x` is 2 ./ x: the dot belongs to the operator, not to the number.
    let p = at;
    while (isDigit(this.code(p)) && p - at <= 400) p++;
    const c = this.code(p);
    const d = this.code(p + 1);
    let v: number;
    if (c === DOT && p > at && (d === STAR || d === SLASH || d === CARET || d === BACKSLASH || d === QUOTE)) {
      v = Number(r.src.slice(at, p));
      r.pos = p;
    } else {
      v = r.readNumber();
    }
    const e = this.code(r.pos);
    if (isNameChar(e) || (e === DOT && (isDigit(this.code(r.pos + 1)) || isNameStart(this.code(r.pos + 1))))) {
      let q = r.pos;
      while (q < r.n && (isNameChar(this.code(q)) || this.code(q) === DOT) && q - at < 40) q++;
      r.fail(at, `"${r.src.slice(at, q)}" in ${this.where} is not a number`);
    }
    this.tokenEnd = r.pos;
    return { k: 'num', v, at, literal: true };
  }

  /** A name: a field of the case, a variable, a constant, Inf/NaN/pi, `end` or a function call. */
  private named(): Expr {
    const r = this.r;
    const at = r.pos;
    const id = r.readName();
    this.tokenEnd = r.pos;
    if (this.constantOnly) return this.literalNamed(id, at);
    if (id === this.scope.outVar) return this.field(at);
    // A call or an index follows: glued, or after blanks outside a [ ] list.
    const save = r.pos;
    if (!this.inList) r.skipSpaces();
    const paren = this.code(r.pos) === LPAREN;
    if (!paren) r.pos = save;
    const isVar = this.scope.isVariable(id);
    const k = isVar ? undefined : this.scope.constant(id);
    if (paren) {
      if (isVar || k !== undefined) {
        this.unsupported(at, `${id}(...) indexes ${id}, which holds one number; only ${this.scope.outVar} fields are indexed`);
      }
      if (id === 'end') this.unsupported(at, '"end" is not a function');
      if (!Object.prototype.hasOwnProperty.call(FUNCTIONS, id)) {
        this.unsupported(at, `${id}(...) calls ${id}, a function GridRewire does not evaluate; it evaluates only ` +
          `${FUNCTION_LIST}`);
      }
      return this.call(id, at);
    }
    if (isVar) return { k: 'var', name: id, at };
    if (k !== undefined) return { k: 'num', v: k, at, literal: true };
    if (id === 'end') {
      if (this.depth === 0) this.unsupported(at, '"end" stands for a size only inside an index, as in mpc.bus(2:end, PD)');
      return { k: 'end', at };
    }
    if (id === 'Inf' || id === 'inf') return { k: 'num', v: Infinity, at, literal: true };
    if (id === 'NaN' || id === 'nan') return { k: 'num', v: NaN, at, literal: true };
    if (id === 'pi') return { k: 'num', v: Math.PI, at, literal: false };
    if (Object.prototype.hasOwnProperty.call(FUNCTIONS, id)) this.unsupported(at, `${id} is a function: write ${id}(x)`);
    if (DEFINE_CONSTANTS.has(id)) {
      this.undefinedHere(at, `${id} is a MATPOWER constant, but no define_constants or [...] = idx_* statement ` +
        'before this one binds it');
    }
    this.undefinedHere(at, `${id} is not assigned before this statement (an expression may use the file's own ` +
      `variables, MATPOWER's idx_* names, Inf, NaN and pi)`);
  }

  /** A name inside a literal matrix: a function call, or what the reader makes of a name there. */
  private literalNamed(id: string, at: number): Expr {
    const r = this.r;
    if (this.code(r.pos) === LPAREN && Object.prototype.hasOwnProperty.call(FUNCTIONS, id) &&
      this.scope.constant(id) === undefined && !this.scope.isVariable(id)) {
      return this.call(id, at);
    }
    if (id === 'pi') return { k: 'num', v: Math.PI, at, literal: false };
    return { k: 'num', v: this.scope.literalName(id, at, this.where), at, literal: true };
  }

  /** `fn(x)`, the cursor on `(`: one argument. */
  private call(fn: string, at: number): Expr {
    const r = this.r;
    const open = r.pos;
    r.pos++;
    this.enter(open);
    r.skipSpaces();
    if (this.code(r.pos) === RPAREN) this.unsupported(r.pos, `${fn} takes one argument`);
    const arg = this.inner(() => this.expr());
    r.skipSpaces();
    if (this.code(r.pos) === COMMA) this.unsupported(r.pos, `${fn} takes one argument here`);
    this.close(RPAREN, open, '(');
    this.nesting--;
    return { k: 'call', fn, arg, at };
  }

  /** `mpc.path` or `mpc.path(ROWS, COLS)`, the output variable's name read. */
  private field(at: number): Expr {
    const r = this.r;
    const out = this.scope.outVar;
    const parts: string[] = [];
    while (this.code(r.pos) === DOT && isNameStart(this.code(r.pos + 1))) {
      r.pos++;
      parts.push(r.readName());
    }
    this.tokenEnd = r.pos;
    if (parts.length === 0) {
      if (this.code(r.pos) === LPAREN) this.unsupported(at, `${out}(...) indexes the case itself; index one of its fields`);
      this.unsupported(at, `${out} is the whole case; an expression uses its fields, as in ${out}.bus(:, PD)`);
    }
    const path = parts.join('.');
    const state = this.scope.field(path);
    if (state === 'none') this.undefinedHere(at, `${out}.${path} is used before it is assigned`);
    if (state === 'struct') this.undefinedHere(at, `${out}.${path} holds fields, not numbers`);
    const save = r.pos;
    if (!this.inList) r.skipSpaces();
    if (this.code(r.pos) !== LPAREN) {
      r.pos = save;
      return { k: 'field', path, at, index: null };
    }
    const index = this.inner(() => this.indexPair(`${out}.${path}`));
    return { k: 'field', path, at, index };
  }

  /** `(ROWS, COLS)`, the cursor on `(`. */
  private indexPair(what: string): [Index, Index] {
    const r = this.r;
    const open = r.pos;
    r.pos++;
    this.depth++;
    this.enter(open);
    const first = this.index();
    r.skipSpaces();
    if (this.code(r.pos) !== COMMA) {
      if (this.code(r.pos) === RPAREN) {
        this.unsupported(open, `${what}(...) with one index (linear indexing) is not evaluated; write ${what}(ROWS, COLS)`);
      }
      this.stray('in the index');
    }
    r.pos++;
    const second = this.index();
    r.skipSpaces();
    if (this.code(r.pos) === COMMA) this.unsupported(r.pos, `${what} has two dimensions: write ${what}(ROWS, COLS)`);
    this.close(RPAREN, open, '(');
    this.depth--;
    this.nesting--;
    return [first, second];
  }

  /** `:`, an expression, a range `a:b`, or a list `[a b, c:d]`. */
  private index(): Index {
    const r = this.r;
    r.skipSpaces();
    const at = r.pos;
    const c = this.code(at);
    if (c === COLON) {
      r.pos++;
      r.skipSpaces();
      const d = this.code(r.pos);
      if (d === COMMA || d === RPAREN) { this.tokenEnd = at + 1; return { k: 'all', at }; }
      this.unsupported(at, 'a range needs its first value, as in 1:end');
    }
    if (c !== LBRACK) return { k: 'pick', picks: [this.pick()], at };
    r.pos++;
    const picks: Pick[] = [];
    const saved = this.inList;
    this.inList = true;
    for (;;) {
      r.skipSpaces();
      const e = this.code(r.pos);
      if (e === COMMA || e === SEMI || e === LF || e === CR) { r.pos++; continue; }
      if (e === RBRACK) { r.pos++; break; }
      if (r.pos >= r.n) this.unsupported(at, 'the "[" of this index list is never closed by "]"');
      picks.push(this.pick());
    }
    this.inList = saved;
    this.tokenEnd = r.pos;
    return { k: 'pick', picks, at };
  }

  private pick(): Pick {
    const r = this.r;
    r.skipSpaces();
    const at = r.pos;
    const lo = this.expr();
    r.skipSpaces();
    if (this.code(r.pos) !== COLON) return { k: 'one', e: lo, at };
    r.pos++;
    r.skipSpaces();
    const hiAt = r.pos;
    const hi = this.expr();
    r.skipSpaces();
    if (this.code(r.pos) === COLON) this.stray('');
    return { k: 'range', lo, hi, at, hiAt };
  }
}

/** -e, folding a number so that `-5` stays a literal. */
function negate(e: Expr, at: number): Expr {
  if (e.k === 'num') return { k: 'num', v: -e.v, at, literal: e.literal };
  return { k: 'neg', e, at };
}
