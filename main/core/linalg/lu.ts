// Sparse LU in the manner of KLU (Davis & Palamadai Natarajan, ACM TOMS 2010):
// a fill-reducing column order computed once, left-looking Gilbert-Peierls
// factorization with threshold partial pivoting that prefers the diagonal,
// and a numeric-only `refactor` that replays the pivot sequence over the
// stored L and U patterns. The Newton-Raphson Jacobian keeps one pattern for
// a network (an outaged branch is zeroed, not removed), so `factor` runs once
// and `refactor` carries every later iteration and contingency.
//
// `factor` itself starts with the cheap case: while diagonal pivots pass the
// threshold (they are then exactly what partial pivoting would pick), columns
// are computed over the symbolic Cholesky pattern of A + A^T in the permuted
// order, found once per pattern; from the first column that fails, the
// Gilbert-Peierls reach search and pivot search take over.
//
// Conventions: step k eliminates original column q[k] with original row
// prow[k] as pivot, so A(prow, q) = L U with L unit lower triangular. Both L
// and U are stored by columns with row indices in step numbering; U's
// diagonal is kept apart in `udiag`, and each U column is stored in the
// topological order the numeric update must follow, so `refactor` can replay
// it as straight-line loops.
//
// Speed: in V8 every typed-array access in a loop costs a map check and
// reloads of the array's length and data pointer, which makes these short
// indirect loops 2-3x slower than the same loops in WebAssembly. So after each
// `factor` the patterns and factors are copied into a WebAssembly memory and
// `refactor` / `solve` / `solveTranspose` run there (wasm.ts, same arithmetic
// in the same order, bit-for-bit equal results); the TypeScript loops below
// are the fallback and the reference. The AMD order is postordered so the L
// columns a column reads sit close together in memory.

import type { CSC } from './csc';
import { cscValidate, CscFormatError } from './csc';
import {
  amdOnGraph,
  invertPermutation,
  postorderElimination,
  symbolicCholesky,
  symmetricAdjacency,
} from './ordering';
import { createLuKernels, type LuKernels } from './wasm';

/** No usable pivot in a column: the matrix is (numerically or structurally) singular. */
export class SingularMatrixError extends Error {
  /** Original column index of the matrix passed in. */
  readonly column: number;
  /** Elimination step at which it was found. */
  readonly step: number;
  constructor(column: number, step: number) {
    super(
      `Matrix is singular: column ${column} has no nonzero pivot candidate at elimination step ${step} ` +
        `(a bus or unknown with no effective connection, e.g. an island cut off by an outage)`,
    );
    this.name = 'SingularMatrixError';
    this.column = column;
    this.step = step;
  }
}

/** NaN or infinite values reached the factorization (e.g. a diverged iterate). */
export class NonFiniteValueError extends Error {
  readonly column: number;
  constructor(column: number) {
    super(`Non-finite value (NaN or Infinity) met while factorizing column ${column}; check the inputs`);
    this.name = 'NonFiniteValueError';
    this.column = column;
  }
}

export interface SparseLUOptions {
  /** Fill-reducing column order: 'amd' (default) or 'natural' (identity). */
  ordering?: 'amd' | 'natural';
  /** Keep the diagonal as pivot when |a_diag| >= pivotTol * max|candidates|. Default 0.1. */
  pivotTol?: number;
  /** `refactor` fails when |pivot| < refactorTol * max|candidates|. Default 1e-12. */
  refactorTol?: number;
  /**
   * Where refactor and the solves run: 'auto' (WebAssembly when available,
   * the default), 'js' (TypeScript loops) or 'wasm' (throws if unavailable).
   */
  kernel?: 'auto' | 'js' | 'wasm';
  /**
   * `factor` first takes diagonal pivots over the symbolic Cholesky pattern of
   * A + A^T (computed once) for as long as they pass the pivotTol test, which
   * is exactly when threshold partial pivoting would choose them too, then
   * pivots with a reach search per column from the first column that fails.
   * Same pivots as plain pivoting; for a structurally symmetric matrix also
   * the same patterns. Default true: a Jacobian's leading columns nearly
   * always pass, and that part costs what a refactor costs.
   */
  diagonalFirst?: boolean;
}

/** Byte offsets of the arrays copied into the WebAssembly memory. */
interface WasmLayout {
  values: number;
  x: number;
  udiag: number;
  lx: number;
  ux: number;
  c: number;
  colPtr: number;
  q: number;
  entryStep: number;
  lp: number;
  li: number;
  up: number;
  ui: number;
}

export class SparseLU {
  readonly n: number;
  private readonly colPtr: Int32Array;
  private readonly rowIdx: Int32Array;
  private readonly nnzA: number;
  private readonly pivotTol: number;
  private readonly refactorTol: number;

  /** Column order: step k eliminates column q[k]. Also the initial symmetric row order. */
  private readonly q: Int32Array;
  /** Original row r sits at position qinv[r] of the symmetrically permuted matrix. */
  private readonly qinv: Int32Array;

  private lp: Int32Array;
  private li: Int32Array;
  private lx: Float64Array;
  private up: Int32Array;
  private ui: Int32Array;
  private ux: Float64Array;
  private readonly udiag: Float64Array;
  /** prow[k] = original row pivoted at step k. */
  private readonly prow: Int32Array;
  /** Step of the row of each entry of the pattern (valid after factor). */
  private readonly entryStep: Int32Array;

  // workspaces, allocated once
  private readonly x: Float64Array;
  private readonly work: Float64Array;
  private readonly xi: Int32Array;
  private readonly stack: Int32Array;
  private readonly pstack: Int32Array;
  private readonly mark: Int32Array;
  private readonly pinvB: Int32Array;

  private readonly kernels: LuKernels | null;
  private wl: WasmLayout | null = null;
  private wValues: Float64Array = new Float64Array(0);
  private wX: Float64Array = new Float64Array(0);
  private wC: Float64Array = new Float64Array(0);

  private readonly diagonalFirst: boolean;
  private sym: { lp: Int32Array; li: Int32Array; up: Int32Array; ui: Int32Array } | null = null;
  /** Columns the last factor did with diagonal pivots on the symbolic pattern (-1: none yet). */
  private lastDiagonalColumns = -1;

  /** 0: no factors; 1: pivot sequence and patterns known, values stale; 2: factors valid. */
  private state: 0 | 1 | 2 = 0;
  private lnz = 0;
  private unz = 0;

  constructor(pattern: CSC, opts: SparseLUOptions = {}) {
    cscValidate(pattern, 'SparseLU pattern');
    if (pattern.nrows !== pattern.ncols) {
      throw new CscFormatError(`SparseLU needs a square matrix, got ${pattern.nrows} x ${pattern.ncols}`);
    }
    const n = pattern.ncols;
    this.n = n;
    this.colPtr = pattern.colPtr.slice();
    this.nnzA = this.colPtr[n];
    this.rowIdx = pattern.rowIdx.slice(0, this.nnzA);
    this.pivotTol = opts.pivotTol ?? 0.1;
    this.refactorTol = opts.refactorTol ?? 1e-12;
    if (!(this.pivotTol >= 0 && this.pivotTol <= 1)) throw new RangeError(`pivotTol must be in [0, 1], got ${this.pivotTol}`);
    if (!(this.refactorTol >= 0 && this.refactorTol < 1)) {
      throw new RangeError(`refactorTol must be in [0, 1), got ${this.refactorTol}`);
    }

    // Analysis, once per pattern: ordering, and the symbolic pattern for diagonal pivots.
    const ordering = opts.ordering ?? 'amd';
    if (ordering !== 'amd' && ordering !== 'natural') {
      throw new RangeError(`unknown ordering '${String(ordering)}' (use 'amd' or 'natural')`);
    }
    this.diagonalFirst = opts.diagonalFirst ?? true;
    const graph = ordering === 'amd' || this.diagonalFirst ? symmetricAdjacency(pattern) : null;
    if (ordering === 'amd' && graph) {
      this.q = postorderElimination(n, graph.ptr, graph.adj, amdOnGraph(n, graph.ptr, graph.adj));
    } else {
      this.q = new Int32Array(n);
      for (let k = 0; k < n; k++) this.q[k] = k;
    }
    this.qinv = invertPermutation(this.q);
    if (this.diagonalFirst && graph) this.sym = symbolicCholesky(n, graph.ptr, graph.adj, this.q);

    const cap = Math.max(4 * this.nnzA, 4 * n, 16);
    this.lp = new Int32Array(n + 1);
    this.li = new Int32Array(cap);
    this.lx = new Float64Array(cap);
    this.up = new Int32Array(n + 1);
    this.ui = new Int32Array(cap);
    this.ux = new Float64Array(cap);
    this.udiag = new Float64Array(n);
    this.prow = new Int32Array(n);
    this.entryStep = new Int32Array(this.nnzA);

    this.x = new Float64Array(n);
    this.work = new Float64Array(n);
    this.xi = new Int32Array(n);
    this.stack = new Int32Array(n);
    this.pstack = new Int32Array(n);
    this.mark = new Int32Array(n);
    this.pinvB = new Int32Array(n);

    const kernel = opts.kernel ?? 'auto';
    if (kernel !== 'auto' && kernel !== 'js' && kernel !== 'wasm') {
      throw new RangeError(`unknown kernel '${String(kernel)}' (use 'auto', 'js' or 'wasm')`);
    }
    this.kernels = kernel === 'js' ? null : createLuKernels();
    if (kernel === 'wasm' && !this.kernels) throw new Error('WebAssembly is not available in this runtime');
    if (this.kernels) {
      // size the memory once for the expected factors (a little spare for pivoting's fill)
      const lnz = this.sym ? this.sym.lp[n] : 2 * this.nnzA;
      const unz = this.sym ? this.sym.up[n] : 2 * this.nnzA;
      const { bytes } = this.wasmLayout(Math.ceil(lnz * 1.1), Math.ceil(unz * 1.1));
      const mem = this.kernels.memory;
      if (mem.buffer.byteLength < bytes) mem.grow(Math.ceil((bytes - mem.buffer.byteLength) / 65536));
    }
  }

  /** 'wasm' when refactor and the solves run in WebAssembly, else 'js'. */
  get kernel(): 'wasm' | 'js' {
    return this.kernels ? 'wasm' : 'js';
  }

  /** Entries of L including its unit diagonal (0 before the first factor). */
  get nnzL(): number {
    return this.state === 0 ? 0 : this.lnz + this.n;
  }

  /** Entries of U including its diagonal (0 before the first factor). */
  get nnzU(): number {
    return this.state === 0 ? 0 : this.unz + this.n;
  }

  /** True when factors for the last values are available for `solve`. */
  /**
   * Copies of the factors, for callers that run their own solves (e.g. a
   * WebAssembly kernel next to other data): P A Q = L U with prow[k] the
   * original row pivoted at step k and q[k] the column eliminated at step k;
   * L unit lower by columns (lp, li, lx), U strictly upper by columns (up, ui,
   * ux) with diagonal udiag, all indices in step order.
   */
  factors(): { n: number; prow: Int32Array; q: Int32Array; lp: Int32Array; li: Int32Array; lx: Float64Array; up: Int32Array; ui: Int32Array; ux: Float64Array; udiag: Float64Array } {
    if (this.state !== 2) throw new Error('SparseLU.factors needs valid factors: call factor() first');
    const n = this.n, lnz = this.lnz, unz = this.unz;
    // Numeric values live in the WebAssembly memory when the kernels computed them.
    const wl = this.wl, buf = this.kernels?.memory.buffer;
    const lx = wl && buf ? new Float64Array(buf, wl.lx, lnz).slice() : this.lx.slice(0, lnz);
    const ux = wl && buf ? new Float64Array(buf, wl.ux, unz).slice() : this.ux.slice(0, unz);
    const udiag = wl && buf ? new Float64Array(buf, wl.udiag, n).slice() : this.udiag.slice();
    return {
      n, prow: this.prow.slice(), q: this.q.slice(),
      lp: this.lp.slice(0, n + 1), li: this.li.slice(0, lnz), lx,
      up: this.up.slice(0, n + 1), ui: this.ui.slice(0, unz), ux, udiag,
    };
  }

  get isFactored(): boolean {
    return this.state === 2;
  }

  /** The column order used (step k eliminates column order[k]); a copy. */
  get columnOrder(): Int32Array {
    return this.q.slice();
  }

  /**
   * Full factorization with threshold partial pivoting. Fixes the pivot
   * sequence and the L/U patterns for `refactor`. With `diagonalFirst`, the
   * leading columns whose diagonal pivots pass the threshold are computed over
   * the precomputed symbolic pattern; pivoting with a reach search per column
   * takes over from the first column that fails (often none, for a Jacobian).
   */
  factor(values: Float64Array): void {
    this.checkValues(values);
    const k0 = this.diagonalFirst ? this.factorDiagonal(values) : 0;
    if (k0 < this.n) this.factorPivoting(values, k0);
    this.lastDiagonalColumns = k0;
  }

  /**
   * How the last `factor` went: 'diagonal' (every pivot diagonal, symbolic
   * pattern), 'pivoting' (reach search from the first column) or 'mixed'.
   */
  get lastFactorPath(): 'diagonal' | 'pivoting' | 'mixed' | null {
    if (this.lastDiagonalColumns < 0) return null;
    if (this.lastDiagonalColumns === this.n) return 'diagonal';
    return this.lastDiagonalColumns === 0 ? 'pivoting' : 'mixed';
  }

  /**
   * Diagonal pivots over the symbolic pattern, column by column, until one
   * fails the pivotTol test. Returns the number of columns done; when < n the
   * factors of those leading columns are left in the TypeScript arrays for
   * `factorPivoting` to continue from.
   */
  private factorDiagonal(values: Float64Array): number {
    const n = this.n;
    if (!this.sym) return 0;
    const { lp, li, up, ui } = this.sym;
    const lnz = lp[n];
    const unz = up[n];
    if (this.li.length < lnz) {
      this.li = new Int32Array(lnz);
      this.lx = new Float64Array(lnz);
    }
    if (this.ui.length < unz) {
      this.ui = new Int32Array(unz);
      this.ux = new Float64Array(unz);
    }
    this.lp.set(lp);
    this.li.set(li);
    this.up.set(up);
    this.ui.set(ui);
    this.lnz = lnz;
    this.unz = unz;
    this.prow.set(this.q);
    const { entryStep, rowIdx, qinv } = this;
    for (let p = 0; p < this.nnzA; p++) entryStep[p] = qinv[rowIdx[p]];
    const kernels = this.kernels;
    if (kernels) this.installWasm(kernels);
    const done = this.numeric(values, this.pivotTol > 0 ? 1 / this.pivotTol : Infinity);
    if (done === n) return n;
    this.state = 0;
    const wl = this.wl;
    if (kernels && wl && done > 0) {
      // bring the finished columns back from the WebAssembly memory
      const buf = kernels.memory.buffer;
      this.lx.set(new Float64Array(buf, wl.lx, lp[done]));
      this.ux.set(new Float64Array(buf, wl.ux, up[done]));
      this.udiag.set(new Float64Array(buf, wl.udiag, done));
    }
    return done;
  }

  /**
   * Left-looking LU with threshold partial pivoting from column k0 on; the
   * reach of each column is found by DFS. Columns before k0 are already
   * factored with diagonal pivots (see factorDiagonal).
   */
  private factorPivoting(values: Float64Array, k0: number): void {
    const n = this.n;
    const { colPtr, rowIdx, qinv, q, x, xi, pinvB, mark, udiag } = this;
    const pivotTol = this.pivotTol;
    this.state = 0;
    pinvB.fill(-1);
    for (let i = 0; i < k0; i++) pinvB[i] = i;
    mark.fill(0);
    let lp = this.lp;
    let up = this.up;
    let li = this.li;
    let lx = this.lx;
    let ui = this.ui;
    let ux = this.ux;
    let lnz = lp[k0];
    let unz = up[k0];

    for (let k = k0; k < n; k++) {
      const col = q[k];
      lp[k] = lnz;
      up[k] = unz;
      const stamp = k + 1;
      const pa0 = colPtr[col];
      const pa1 = colPtr[col + 1];

      // Reach of the column's rows in the graph of L (rows in the symmetric order).
      let top = n;
      for (let p = pa0; p < pa1; p++) {
        const i = qinv[rowIdx[p]];
        if (mark[i] !== stamp) top = this.dfs(i, top, stamp, lp, li);
      }
      for (let p = pa0; p < pa1; p++) x[qinv[rowIdx[p]]] = values[p];

      // Sparse triangular solve over the reach, in topological order.
      for (let t = top; t < n; t++) {
        const j = xi[t];
        const jc = pinvB[j];
        if (jc < 0) continue;
        const xj = x[j];
        const pl1 = lp[jc + 1];
        for (let p = lp[jc]; p < pl1; p++) x[li[p]] -= lx[p] * xj;
      }

      const need = n - top;
      if (unz + need > ui.length) {
        const c = Math.max(2 * ui.length, unz + need);
        ui = grow32(ui, c, unz);
        ux = grow64(ux, c, unz);
      }
      if (lnz + need > li.length) {
        const c = Math.max(2 * li.length, lnz + need);
        li = grow32(li, c, lnz);
        lx = grow64(lx, c, lnz);
      }

      // U part (rows already pivotal) and the pivot search among the rest.
      let ipiv = -1;
      let amax = 0;
      let bad = false;
      for (let t = top; t < n; t++) {
        const i = xi[t];
        const v = x[i];
        if (v - v !== 0) bad = true;
        const s = pinvB[i];
        if (s >= 0) {
          ui[unz] = s;
          ux[unz++] = v;
          x[i] = 0;
        } else {
          const a = v < 0 ? -v : v;
          if (a > amax || ipiv < 0) {
            amax = a;
            ipiv = i;
          }
        }
      }
      if (bad || ipiv < 0 || amax === 0) {
        for (let t = top; t < n; t++) x[xi[t]] = 0;
        this.saveArrays(lp, li, lx, up, ui, ux);
        if (bad) throw new NonFiniteValueError(col);
        throw new SingularMatrixError(col, k);
      }
      if (pinvB[k] < 0) {
        const d = x[k];
        if ((d < 0 ? -d : d) >= pivotTol * amax && d !== 0) ipiv = k;
      }
      const pivot = x[ipiv];
      udiag[k] = pivot;
      pinvB[ipiv] = k;
      x[ipiv] = 0;
      for (let t = top; t < n; t++) {
        const i = xi[t];
        if (pinvB[i] >= 0) continue;
        li[lnz] = i;
        lx[lnz++] = x[i] / pivot;
        x[i] = 0;
      }
    }
    lp[n] = lnz;
    up[n] = unz;

    // Rows of L to step numbering; composite row permutation; entry map for refactor.
    for (let p = 0; p < lnz; p++) li[p] = pinvB[li[p]];
    const prow = this.prow;
    for (let i = 0; i < n; i++) prow[pinvB[i]] = q[i];
    const work = this.work;
    for (let k = 0; k < n; k++) work[prow[k]] = k; // original row -> step
    for (let p = 0; p < this.nnzA; p++) this.entryStep[p] = work[rowIdx[p]];
    work.fill(0);

    this.saveArrays(lp, li, lx, up, ui, ux);
    this.lnz = lnz;
    this.unz = unz;
    if (this.kernels) this.installWasm(this.kernels);
    this.state = 2;
  }

  /** Copies pattern, maps and factors into the WebAssembly memory (after each factor). */
  private installWasm(kernels: LuKernels): void {
    const n = this.n;
    const nnzA = this.nnzA;
    const lnz = this.lnz;
    const unz = this.unz;
    const { wl, bytes } = this.wasmLayout(lnz, unz);
    const mem = kernels.memory;
    if (mem.buffer.byteLength < bytes) mem.grow(Math.ceil((bytes - mem.buffer.byteLength) / 65536));
    const buf = mem.buffer;
    const f64 = (at: number, len: number) => new Float64Array(buf, at, len);
    const i32 = (at: number, len: number) => new Int32Array(buf, at, len);
    f64(wl.udiag, n).set(this.udiag);
    f64(wl.lx, lnz).set(this.lx.subarray(0, lnz));
    f64(wl.ux, unz).set(this.ux.subarray(0, unz));
    i32(wl.colPtr, n + 1).set(this.colPtr);
    i32(wl.q, n).set(this.q);
    i32(wl.entryStep, nnzA).set(this.entryStep);
    i32(wl.lp, n + 1).set(this.lp.subarray(0, n + 1));
    i32(wl.li, lnz).set(this.li.subarray(0, lnz));
    i32(wl.up, n + 1).set(this.up.subarray(0, n + 1));
    i32(wl.ui, unz).set(this.ui.subarray(0, unz));
    this.wValues = f64(wl.values, nnzA);
    this.wX = f64(wl.x, n);
    this.wX.fill(0);
    this.wC = f64(wl.c, n);
    this.wl = wl;
  }

  /** Where each array goes in the WebAssembly memory for factors of the given sizes. */
  private wasmLayout(lnz: number, unz: number): { wl: WasmLayout; bytes: number } {
    const n = this.n;
    const nnzA = this.nnzA;
    let off = 0;
    const take = (bytes: number): number => {
      const at = off;
      off += (bytes + 7) & ~7;
      return at;
    };
    const wl: WasmLayout = {
      values: take(8 * nnzA),
      x: take(8 * n),
      udiag: take(8 * n),
      lx: take(8 * lnz),
      ux: take(8 * unz),
      c: take(8 * n),
      colPtr: take(4 * (n + 1)),
      q: take(4 * n),
      entryStep: take(4 * nnzA),
      lp: take(4 * (n + 1)),
      li: take(4 * lnz),
      up: take(4 * (n + 1)),
      ui: take(4 * unz),
    };
    return { wl, bytes: off };
  }

  /** Multiply-adds one refactor performs (the flop count of the numeric phase). */
  get refactorFlops(): number {
    if (this.state === 0) return 0;
    const { lp, ui } = this;
    let f = 0;
    for (let p = 0; p < this.unz; p++) f += lp[ui[p] + 1] - lp[ui[p]];
    return f;
  }

  /**
   * Numeric refactorization reusing the pivot sequence and L/U patterns of the
   * last `factor`. Returns false (factors then unusable until `factor`) when a
   * pivot is zero, non-finite or tiny: |pivot| < refactorTol * max|candidates|.
   */
  refactor(values: Float64Array): boolean {
    if (this.state === 0) throw new Error('SparseLU.refactor called before a successful factor()');
    this.checkValues(values);
    return this.numeric(values, this.refactorTol > 0 ? 1 / this.refactorTol : Infinity) === this.n;
  }

  /**
   * Numeric LU over the stored pivot sequence and patterns. Returns the number
   * of columns done: n on success, else the first column with a zero,
   * non-finite or too small pivot (some |l| > limit); x is left clean.
   */
  private numeric(values: Float64Array, limit: number): number {
    const n = this.n;
    const kernels = this.kernels;
    const wl = this.wl;
    if (kernels && wl) {
      this.wValues.set(values.length === this.nnzA ? values : values.subarray(0, this.nnzA));
      const done = kernels.refactor(
        n, wl.colPtr, wl.q, wl.entryStep, wl.values, wl.x, wl.lp, wl.li, wl.lx, wl.up, wl.ui, wl.ux, wl.udiag, limit,
      );
      if (done === n) {
        this.state = 2;
        return n;
      }
      this.wX.fill(0);
      this.state = 1;
      return done;
    }
    const { colPtr, q, x, entryStep, lp, li, lx, up, ui, ux, udiag } = this;
    for (let k = 0; k < n; k++) {
      const col = q[k];
      const pa1 = colPtr[col + 1];
      for (let p = colPtr[col]; p < pa1; p++) x[entryStep[p]] = values[p];
      // x -= L(:, j) * x[j] for every U entry j of this column, in topological order
      let bad = false;
      const pu1 = up[k + 1];
      for (let p = up[k]; p < pu1; p++) {
        const j = ui[p];
        const xj = x[j];
        x[j] = 0;
        ux[p] = xj;
        if (xj - xj !== 0) bad = true; // NaN or infinite
        const pl1 = lp[j + 1];
        for (let r = lp[j]; r < pl1; r++) x[li[r]] -= lx[r] * xj;
      }
      const pivot = x[k];
      x[k] = 0;
      udiag[k] = pivot;
      if (pivot === 0 || pivot - pivot !== 0) bad = true;
      const pl1 = lp[k + 1];
      for (let p = lp[k]; p < pl1; p++) {
        const r = li[p];
        const v = x[r] / pivot;
        x[r] = 0;
        lx[p] = v;
        // |l| > 1/tol  <=>  |pivot| < tol * |candidate|; NaN fails the test too
        if (!((v < 0 ? -v : v) <= limit)) bad = true;
      }
      if (bad) {
        x.fill(0);
        this.state = 1;
        return k;
      }
    }
    this.state = 2;
    return n;
  }

  /** Refactor when a pivot sequence exists and still works, else factor. */
  factorize(values: Float64Array): 'refactor' | 'factor' {
    if (this.state !== 0 && this.refactor(values)) return 'refactor';
    this.factor(values);
    return 'factor';
  }

  /** Solves A x = b. x may be b itself; no allocation when x is given. */
  solve(b: ArrayLike<number>, x?: Float64Array): Float64Array {
    const n = this.n;
    this.checkSolve(b, x);
    const out = x ?? new Float64Array(n);
    const { prow, q, lp, li, lx, up, ui, ux, udiag } = this;
    const kernels = this.kernels;
    const wl = this.wl;
    if (kernels && wl) {
      const w = this.wC;
      if (b instanceof Float64Array) gatherF64(w, b, prow, n);
      else for (let k = 0; k < n; k++) w[k] = b[prow[k]];
      kernels.solve(n, wl.lp, wl.li, wl.lx, wl.up, wl.ui, wl.ux, wl.udiag, wl.c);
      scatterF64(out, w, q, n);
      return out;
    }
    const c = this.work;
    for (let k = 0; k < n; k++) c[k] = b[prow[k]];
    // L z = c (unit lower, by columns)
    for (let j = 0; j < n; j++) {
      const zj = c[j];
      if (zj === 0) continue;
      const p1 = lp[j + 1];
      for (let p = lp[j]; p < p1; p++) c[li[p]] -= lx[p] * zj;
    }
    // U y = z (by columns, last first)
    for (let k = n - 1; k >= 0; k--) {
      const yk = c[k] / udiag[k];
      c[k] = yk;
      if (yk === 0) continue;
      const p1 = up[k + 1];
      for (let p = up[k]; p < p1; p++) c[ui[p]] -= ux[p] * yk;
    }
    for (let k = 0; k < n; k++) out[q[k]] = c[k];
    return out;
  }

  /** Solves A^T x = b. x may be b itself; no allocation when x is given. */
  solveTranspose(b: ArrayLike<number>, x?: Float64Array): Float64Array {
    const n = this.n;
    this.checkSolve(b, x);
    const out = x ?? new Float64Array(n);
    const { prow, q, lp, li, lx, up, ui, ux, udiag } = this;
    const kernels = this.kernels;
    const wl = this.wl;
    if (kernels && wl) {
      const w = this.wC;
      for (let k = 0; k < n; k++) w[k] = b[q[k]];
      kernels.solveT(n, wl.lp, wl.li, wl.lx, wl.up, wl.ui, wl.ux, wl.udiag, wl.c);
      for (let k = 0; k < n; k++) out[prow[k]] = w[k];
      return out;
    }
    const c = this.work;
    for (let k = 0; k < n; k++) c[k] = b[q[k]];
    // U^T v = c (forward, dot products over U's columns)
    for (let k = 0; k < n; k++) {
      let s = c[k];
      const p1 = up[k + 1];
      for (let p = up[k]; p < p1; p++) s -= ux[p] * c[ui[p]];
      c[k] = s / udiag[k];
    }
    // L^T w = v (backward)
    for (let j = n - 1; j >= 0; j--) {
      let s = c[j];
      const p1 = lp[j + 1];
      for (let p = lp[j]; p < p1; p++) s -= lx[p] * c[li[p]];
      c[j] = s;
    }
    for (let k = 0; k < n; k++) out[prow[k]] = c[k];
    return out;
  }

  /** Non-recursive depth-first search from row j in the graph of L; pushes finished rows on xi[--top]. */
  private dfs(j0: number, top: number, stamp: number, lp: Int32Array, li: Int32Array): number {
    const { xi, stack, pstack, mark, pinvB } = this;
    let head = 0;
    stack[0] = j0;
    while (head >= 0) {
      const j = stack[head];
      const jc = pinvB[j];
      if (mark[j] !== stamp) {
        mark[j] = stamp;
        pstack[head] = jc < 0 ? 0 : lp[jc];
      }
      let done = true;
      const pend = jc < 0 ? 0 : lp[jc + 1];
      for (let p = pstack[head]; p < pend; p++) {
        const i = li[p];
        if (mark[i] === stamp) continue;
        pstack[head] = p + 1;
        stack[++head] = i;
        done = false;
        break;
      }
      if (done) {
        head--;
        xi[--top] = j;
      }
    }
    return top;
  }

  private saveArrays(
    lp: Int32Array,
    li: Int32Array,
    lx: Float64Array,
    up: Int32Array,
    ui: Int32Array,
    ux: Float64Array,
  ): void {
    this.lp = lp;
    this.li = li;
    this.lx = lx;
    this.up = up;
    this.ui = ui;
    this.ux = ux;
  }

  private checkValues(values: Float64Array): void {
    if (values.length < this.nnzA) {
      throw new RangeError(`values has ${values.length} entries, the pattern has ${this.nnzA}`);
    }
  }

  private checkSolve(b: ArrayLike<number>, x?: Float64Array): void {
    if (this.state !== 2) {
      throw new Error('SparseLU.solve needs valid factors: call factor() (or factorize()) first');
    }
    if (b.length !== this.n) throw new RangeError(`right-hand side has length ${b.length}, expected ${this.n}`);
    if (x && x.length !== this.n) throw new RangeError(`solution vector has length ${x.length}, expected ${this.n}`);
  }
}

/** dst[k] = src[idx[k]]: monomorphic (solve's right-hand side may be any ArrayLike; this path is the common one). */
function gatherF64(dst: Float64Array, src: Float64Array, idx: Int32Array, n: number): void {
  for (let k = 0; k < n; k++) dst[k] = src[idx[k]];
}

/** dst[idx[k]] = src[k]. */
function scatterF64(dst: Float64Array, src: Float64Array, idx: Int32Array, n: number): void {
  for (let k = 0; k < n; k++) dst[idx[k]] = src[k];
}

function grow32(a: Int32Array, cap: number, used: number): Int32Array {
  const b = new Int32Array(cap);
  b.set(a.subarray(0, used));
  return b;
}

function grow64(a: Float64Array, cap: number, used: number): Float64Array {
  const b = new Float64Array(cap);
  b.set(a.subarray(0, used));
  return b;
}
