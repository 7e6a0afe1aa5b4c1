// Compressed sparse column matrices: the storage every solver in core uses.
// Row indices are sorted within each column and never repeated, so a pattern
// can be walked once and values re-assembled in place through a slot map.

/** A sparse matrix in compressed sparse column form. */
export interface CSC {
  nrows: number;
  ncols: number;
  /** Length ncols + 1; column j occupies [colPtr[j], colPtr[j + 1]). */
  colPtr: Int32Array;
  /** Row of each stored entry; sorted ascending and unique within a column. */
  rowIdx: Int32Array;
  values: Float64Array;
}

/** A CSC matrix whose arrays break the format's rules. */
export class CscFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CscFormatError';
  }
}

/** Checks sizes, bounds, sorted unique rows; throws CscFormatError naming the first problem. */
export function cscValidate(a: CSC, what = 'matrix'): void {
  const { nrows, ncols, colPtr, rowIdx, values } = a;
  if (!Number.isInteger(nrows) || !Number.isInteger(ncols) || nrows < 0 || ncols < 0) {
    throw new CscFormatError(`${what}: dimensions ${nrows} x ${ncols} are not non-negative integers`);
  }
  if (colPtr.length !== ncols + 1) {
    throw new CscFormatError(`${what}: colPtr has length ${colPtr.length}, expected ncols + 1 = ${ncols + 1}`);
  }
  if (colPtr[0] !== 0) throw new CscFormatError(`${what}: colPtr[0] is ${colPtr[0]}, expected 0`);
  const nnz = colPtr[ncols];
  if (rowIdx.length < nnz || values.length < nnz) {
    throw new CscFormatError(
      `${what}: colPtr says ${nnz} entries but rowIdx has ${rowIdx.length} and values ${values.length}`,
    );
  }
  for (let j = 0; j < ncols; j++) {
    const p0 = colPtr[j];
    const p1 = colPtr[j + 1];
    if (p1 < p0) throw new CscFormatError(`${what}: colPtr decreases at column ${j}`);
    let prev = -1;
    for (let p = p0; p < p1; p++) {
      const i = rowIdx[p];
      if (i < 0 || i >= nrows) {
        throw new CscFormatError(`${what}: row index ${i} out of range [0, ${nrows}) in column ${j}`);
      }
      if (i <= prev) {
        throw new CscFormatError(`${what}: rows in column ${j} are not sorted and unique (${prev} then ${i})`);
      }
      prev = i;
    }
  }
}

/** A CSC pattern (values all zero) plus, for each triplet slot, its index into `values`. */
export interface AssemblyPattern {
  pattern: CSC;
  /** map[k] = position in pattern.values that triplet k adds into. */
  map: Int32Array;
}

/**
 * Compresses triplet positions (duplicates allowed) into a CSC pattern once.
 * Afterwards values are re-assembled without allocation:
 * `values.fill(0); for (k...) values[map[k]] += v[k]` (see `assembleInto`).
 */
export function buildPattern(
  nrows: number,
  ncols: number,
  rows: ArrayLike<number>,
  cols: ArrayLike<number>,
  count: number = rows.length,
): AssemblyPattern {
  if (cols.length < count || rows.length < count) {
    throw new CscFormatError(`triplets: ${count} slots requested but rows has ${rows.length} and cols ${cols.length}`);
  }
  for (let k = 0; k < count; k++) {
    const i = rows[k];
    const j = cols[k];
    if (!(i >= 0 && i < nrows && (i | 0) === i)) {
      throw new CscFormatError(`triplet ${k}: row ${i} is not an integer in [0, ${nrows})`);
    }
    if (!(j >= 0 && j < ncols && (j | 0) === j)) {
      throw new CscFormatError(`triplet ${k}: column ${j} is not an integer in [0, ${ncols})`);
    }
  }
  // Bucket slots by row, then deal them into columns in row order: each
  // column's slots come out sorted by row, so duplicates are adjacent.
  const rowStart = new Int32Array(nrows + 1);
  for (let k = 0; k < count; k++) rowStart[rows[k] + 1]++;
  for (let i = 0; i < nrows; i++) rowStart[i + 1] += rowStart[i];
  const byRow = new Int32Array(count);
  const fillR = rowStart.slice(0, nrows);
  for (let k = 0; k < count; k++) byRow[fillR[rows[k]]++] = k;

  const colStart = new Int32Array(ncols + 1);
  for (let k = 0; k < count; k++) colStart[cols[k] + 1]++;
  for (let j = 0; j < ncols; j++) colStart[j + 1] += colStart[j];
  const byCol = new Int32Array(count);
  const fillC = colStart.slice(0, ncols);
  for (let t = 0; t < count; t++) {
    const k = byRow[t];
    byCol[fillC[cols[k]]++] = k;
  }

  const map = new Int32Array(count);
  const colPtr = new Int32Array(ncols + 1);
  const rowTmp = new Int32Array(count);
  let nz = 0;
  for (let j = 0; j < ncols; j++) {
    colPtr[j] = nz;
    let last = -1;
    for (let t = colStart[j]; t < colStart[j + 1]; t++) {
      const k = byCol[t];
      const i = rows[k];
      if (i !== last) {
        rowTmp[nz++] = i;
        last = i;
      }
      map[k] = nz - 1;
    }
  }
  colPtr[ncols] = nz;
  const pattern: CSC = {
    nrows,
    ncols,
    colPtr,
    rowIdx: rowTmp.slice(0, nz),
    values: new Float64Array(nz),
  };
  return { pattern, map };
}

/** values.fill(0) then values[map[k]] += slotValues[k]; no allocation. */
export function assembleInto(values: Float64Array, map: Int32Array, slotValues: ArrayLike<number>): void {
  values.fill(0);
  const m = map.length;
  for (let k = 0; k < m; k++) values[map[k]] += slotValues[k];
}

/**
 * Collects (row, col) positions one at a time (e.g. while walking branches),
 * then compresses them with `buildPattern`. `add` returns the slot number the
 * caller later writes that position's value into.
 */
export class PatternBuilder {
  private rows: Int32Array;
  private cols: Int32Array;
  private size = 0;

  constructor(
    readonly nrows: number,
    readonly ncols: number,
    capacity = 16,
  ) {
    const cap = Math.max(4, capacity | 0);
    this.rows = new Int32Array(cap);
    this.cols = new Int32Array(cap);
  }

  /** Number of slots added so far. */
  get count(): number {
    return this.size;
  }

  /** Records position (row, col) and returns its slot number. */
  add(row: number, col: number): number {
    if (!(row >= 0 && row < this.nrows && (row | 0) === row)) {
      throw new CscFormatError(`PatternBuilder.add: row ${row} is not an integer in [0, ${this.nrows})`);
    }
    if (!(col >= 0 && col < this.ncols && (col | 0) === col)) {
      throw new CscFormatError(`PatternBuilder.add: column ${col} is not an integer in [0, ${this.ncols})`);
    }
    if (this.size === this.rows.length) {
      const r = new Int32Array(this.size * 2);
      r.set(this.rows);
      this.rows = r;
      const c = new Int32Array(this.size * 2);
      c.set(this.cols);
      this.cols = c;
    }
    this.rows[this.size] = row;
    this.cols[this.size] = col;
    return this.size++;
  }

  build(): AssemblyPattern {
    return buildPattern(this.nrows, this.ncols, this.rows, this.cols, this.size);
  }
}

/** Builds a CSC matrix from triplets, summing duplicates. */
export function cscFromTriplets(
  nrows: number,
  ncols: number,
  rows: ArrayLike<number>,
  cols: ArrayLike<number>,
  vals: ArrayLike<number>,
): CSC {
  if (vals.length !== rows.length || cols.length !== rows.length) {
    throw new CscFormatError(
      `triplets: rows, cols and vals must have equal lengths (got ${rows.length}, ${cols.length}, ${vals.length})`,
    );
  }
  const { pattern, map } = buildPattern(nrows, ncols, rows, cols);
  const v = pattern.values;
  for (let k = 0; k < map.length; k++) v[map[k]] += vals[k];
  return pattern;
}

/** y = A x (y is overwritten; allocated when not given). */
export function cscMatVec(a: CSC, x: ArrayLike<number>, y?: Float64Array): Float64Array {
  const out = y ?? new Float64Array(a.nrows);
  out.fill(0);
  const { colPtr, rowIdx, values } = a;
  for (let j = 0; j < a.ncols; j++) {
    const xj = x[j];
    if (xj === 0) continue;
    for (let p = colPtr[j]; p < colPtr[j + 1]; p++) out[rowIdx[p]] += values[p] * xj;
  }
  return out;
}

/** y = A^T x (y is overwritten; allocated when not given). */
export function cscMatVecTranspose(a: CSC, x: ArrayLike<number>, y?: Float64Array): Float64Array {
  const out = y ?? new Float64Array(a.ncols);
  const { colPtr, rowIdx, values } = a;
  for (let j = 0; j < a.ncols; j++) {
    let s = 0;
    for (let p = colPtr[j]; p < colPtr[j + 1]; p++) s += values[p] * x[rowIdx[p]];
    out[j] = s;
  }
  return out;
}

/** A^T as a new CSC matrix (rows come out sorted). */
export function cscTranspose(a: CSC): CSC {
  const { nrows, ncols, colPtr, rowIdx, values } = a;
  const nnz = colPtr[ncols];
  const tPtr = new Int32Array(nrows + 1);
  for (let p = 0; p < nnz; p++) tPtr[rowIdx[p] + 1]++;
  for (let i = 0; i < nrows; i++) tPtr[i + 1] += tPtr[i];
  const next = tPtr.slice(0, nrows);
  const tIdx = new Int32Array(nnz);
  const tVal = new Float64Array(nnz);
  for (let j = 0; j < ncols; j++) {
    for (let p = colPtr[j]; p < colPtr[j + 1]; p++) {
      const q = next[rowIdx[p]]++;
      tIdx[q] = j;
      tVal[q] = values[p];
    }
  }
  return { nrows: ncols, ncols: nrows, colPtr: tPtr, rowIdx: tIdx, values: tVal };
}

/** Dense copy, row-major as number[][] (for tests and small debugging). */
export function cscToDense(a: CSC): number[][] {
  const d: number[][] = [];
  for (let i = 0; i < a.nrows; i++) d.push(new Array<number>(a.ncols).fill(0));
  for (let j = 0; j < a.ncols; j++) {
    for (let p = a.colPtr[j]; p < a.colPtr[j + 1]; p++) d[a.rowIdx[p]][j] += a.values[p];
  }
  return d;
}
