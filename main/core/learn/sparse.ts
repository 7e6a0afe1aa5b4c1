// Truly sparse linear layer. Connections are stored CSR over outputs:
// output o reads inputs col[rowPtr[o] .. rowPtr[o+1]) (strictly increasing)
// with weights weight.data[k]. Forward and backward cost O(rows x nnz); the
// layer never materialises in x out, except for the dense gradient a RigL
// regrowth asks for at rewiring time (captureDenseGrad).

import { LearnError, ensure } from './errors';
import { type InitGain, type Layer, type Param, gainValue, makeParam } from './layer';
import type { Rng } from './rng';

export class SparseLayer implements Layer {
  readonly kind = 'sparse' as const;
  readonly weight: Param;
  readonly bias: Param;
  rowPtr: Int32Array;
  col: Int32Array;
  /** When set ([out x in]), backward also accumulates the full dense dL/dW here. */
  denseGrad: Float32Array | null = null;

  constructor(
    readonly name: string,
    readonly nIn: number,
    readonly nOut: number,
    rowPtr: Int32Array,
    col: Int32Array,
    weights?: Float32Array,
    bias?: Float32Array,
  ) {
    ensure(Number.isInteger(nIn) && nIn > 0 && Number.isInteger(nOut) && nOut > 0, 'bad-shape', `layer ${name}: sizes must be positive integers, got ${nIn}x${nOut}`);
    ensure(nIn * nOut < 2 ** 31, 'bad-shape', `layer ${name}: ${nIn}x${nOut} is too large for 32-bit positions`);
    this.rowPtr = rowPtr;
    this.col = col;
    validateCsr(name, nIn, nOut, rowPtr, col);
    const nnz = col.length;
    ensure(!weights || weights.length === nnz, 'bad-shape', `layer ${name}: expected ${nnz} weights, got ${weights?.length}`);
    ensure(!bias || bias.length === nOut, 'bad-shape', `layer ${name}: expected ${nOut} biases, got ${bias?.length}`);
    this.weight = makeParam(`${name}.w`, weights ?? new Float32Array(nnz), true);
    this.bias = makeParam(`${name}.b`, bias ?? new Float32Array(nOut), false);
  }

  /** Builds a layer from sorted, distinct positions o * nIn + i. */
  static fromPositions(name: string, nIn: number, nOut: number, positions: Int32Array, weights?: Float32Array): SparseLayer {
    const { rowPtr, col } = csrFromPositions(nIn, nOut, positions);
    return new SparseLayer(name, nIn, nOut, rowPtr, col, weights);
  }

  /** Dense [out x in] copy of the weights (zeros where no connection). */
  toDense(): Float32Array {
    const d = new Float32Array(this.nIn * this.nOut);
    const w = this.weight.data;
    for (let o = 0; o < this.nOut; o++) {
      for (let k = this.rowPtr[o]; k < this.rowPtr[o + 1]; k++) d[o * this.nIn + this.col[k]] = w[k];
    }
    return d;
  }

  /** Sorted positions o * nIn + i of the existing connections. */
  positions(): Int32Array {
    const p = new Int32Array(this.col.length);
    for (let o = 0; o < this.nOut; o++) {
      for (let k = this.rowPtr[o]; k < this.rowPtr[o + 1]; k++) p[k] = o * this.nIn + this.col[k];
    }
    return p;
  }

  /**
   * He/Kaiming normal init scaled by each output's kept fan-in (not nIn), so
   * that a 99%-sparse layer starts with the same activation scale as a dense one.
   */
  init(rng: Rng, gain: InitGain): this {
    const g = gainValue(gain), w = this.weight.data;
    for (let o = 0; o < this.nOut; o++) {
      const a = this.rowPtr[o], b = this.rowPtr[o + 1];
      const std = b > a ? g / Math.sqrt(b - a) : 0;
      for (let k = a; k < b; k++) w[k] = rng.normal() * std;
    }
    this.bias.data.fill(0);
    return this;
  }

  nnz(): number {
    return this.col.length;
  }

  params(): Param[] {
    return [this.weight, this.bias];
  }

  zeroGrad(): void {
    this.weight.grad.fill(0);
    this.bias.grad.fill(0);
  }

  /**
   * Replaces the connectivity (rewiring). The weight param's value, gradient
   * and moments are swapped together so optimiser state stays aligned.
   */
  setTopology(rowPtr: Int32Array, col: Int32Array, data: Float32Array, m: Float32Array, v: Float32Array): void {
    validateCsr(this.name, this.nIn, this.nOut, rowPtr, col);
    const n = col.length;
    if (data.length !== n || m.length !== n || v.length !== n) {
      throw new LearnError('bad-shape', `layer ${this.name}: topology with ${n} connections needs ${n} values and moments`);
    }
    this.rowPtr = rowPtr;
    this.col = col;
    this.weight.data = data;
    this.weight.m = m;
    this.weight.v = v;
    this.weight.grad = new Float32Array(n);
  }

  /**
   * Y = X W^T + b ([rows x nOut]), into `out` when given (at least rows x
   * nOut long, else a new array), with ReLU applied when `relu`. Each row's
   * sums run in the same order however rows are grouped, so a row computed
   * alone equals the same row computed in a batch, bit for bit.
   */
  forward(x: Float32Array, rows: number, relu = false, out?: Float32Array): Float32Array {
    const y = out ?? new Float32Array(rows * this.nOut);
    csrForward(this.rowPtr, this.col, this.weight.data, this.bias.data, this.nIn, this.nOut, x, rows, y, relu);
    return y;
  }

  /**
   * The connections that read inputs [c0, c1), as a layer of c1 - c0 inputs
   * (weights copied; bias copied when `bias`, else zero): a product split by
   * input blocks, e.g. the edge head's [h_src, h_dst, e] computed per node.
   */
  columnBlock(c0: number, c1: number, bias: boolean): SparseLayer {
    const { nOut, rowPtr, col } = this;
    const W = this.weight.data;
    const ptr = new Int32Array(nOut + 1);
    const pick: number[] = [];
    for (let o = 0; o < nOut; o++) {
      for (let k = rowPtr[o]; k < rowPtr[o + 1]; k++) if (col[k] >= c0 && col[k] < c1) pick.push(k);
      ptr[o + 1] = pick.length;
    }
    const c = Int32Array.from(pick, (k) => col[k] - c0);
    const w = Float32Array.from(pick, (k) => W[k]);
    return new SparseLayer(`${this.name}[${c0}:${c1}]`, c1 - c0, nOut, ptr, c, w, bias ? this.bias.data.slice() : undefined);
  }

  backward(x: Float32Array, dy: Float32Array, rows: number, wantDx: boolean, paramGrad = true): Float32Array | null {
    const { nIn, nOut, rowPtr, col } = this;
    const W = this.weight.data, gW = this.weight.grad, gB = this.bias.grad;
    const dx = wantDx ? new Float32Array(rows * nIn) : null;
    let r = 0;
    for (; r + 3 < rows; r += 4) {
      const x0 = r * nIn, x1 = x0 + nIn, x2 = x1 + nIn, x3 = x2 + nIn;
      const y0 = r * nOut;
      for (let o = 0; o < nOut; o++) {
        const d0 = dy[y0 + o], d1 = dy[y0 + nOut + o], d2 = dy[y0 + 2 * nOut + o], d3 = dy[y0 + 3 * nOut + o];
        if (d0 === 0 && d1 === 0 && d2 === 0 && d3 === 0) continue;
        const end = rowPtr[o + 1];
        if (paramGrad) {
          gB[o] += d0 + d1 + d2 + d3;
          for (let k = rowPtr[o]; k < end; k++) {
            const c = col[k];
            gW[k] += d0 * x[x0 + c] + d1 * x[x1 + c] + d2 * x[x2 + c] + d3 * x[x3 + c];
          }
        }
        if (dx) {
          for (let k = rowPtr[o]; k < end; k++) {
            const c = col[k], w = W[k];
            dx[x0 + c] += d0 * w;
            dx[x1 + c] += d1 * w;
            dx[x2 + c] += d2 * w;
            dx[x3 + c] += d3 * w;
          }
        }
      }
    }
    for (; r < rows; r++) {
      const x0 = r * nIn, y0 = r * nOut;
      for (let o = 0; o < nOut; o++) {
        const d = dy[y0 + o];
        if (d === 0) continue;
        if (paramGrad) gB[o] += d;
        const end = rowPtr[o + 1];
        for (let k = rowPtr[o]; k < end; k++) {
          const c = col[k];
          if (paramGrad) gW[k] += d * x[x0 + c];
          if (dx) dx[x0 + c] += d * W[k];
        }
      }
    }
    if (this.denseGrad && paramGrad) accumulateDenseGrad(this.denseGrad, x, dy, rows, nIn, nOut);
    return dx;
  }
}

/**
 * y[r] = W x[r] + b for rows [0, rows) of a CSR-over-outputs layer (ReLU
 * when relu), four rows at a time so each weight loaded serves four sums.
 * Each row's terms are summed in connection order whatever the grouping, so
 * a row computed alone equals the same row in a batch, bit for bit (the
 * inference kernels rely on it).
 */
export function csrForward(
  rowPtr: Int32Array, col: Int32Array, W: Float32Array, b: Float32Array, nIn: number, nOut: number,
  x: Float32Array, rows: number, y: Float32Array, relu: boolean,
): void {
  let r = 0;
  for (; r + 3 < rows; r += 4) {
    const x0 = r * nIn, x1 = x0 + nIn, x2 = x1 + nIn, x3 = x2 + nIn;
    const y0 = r * nOut;
    for (let o = 0; o < nOut; o++) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      const end = rowPtr[o + 1];
      for (let k = rowPtr[o]; k < end; k++) {
        const w = W[k], c = col[k];
        s0 += w * x[x0 + c];
        s1 += w * x[x1 + c];
        s2 += w * x[x2 + c];
        s3 += w * x[x3 + c];
      }
      const bo = b[o];
      s0 += bo; s1 += bo; s2 += bo; s3 += bo;
      if (relu) {
        // ReLU without a branch (see ops.ts): signs are random, branches mispredict.
        s0 = 0.5 * (s0 + Math.abs(s0));
        s1 = 0.5 * (s1 + Math.abs(s1));
        s2 = 0.5 * (s2 + Math.abs(s2));
        s3 = 0.5 * (s3 + Math.abs(s3));
      }
      y[y0 + o] = s0;
      y[y0 + nOut + o] = s1;
      y[y0 + 2 * nOut + o] = s2;
      y[y0 + 3 * nOut + o] = s3;
    }
  }
  for (; r < rows; r++) {
    const x0 = r * nIn, y0 = r * nOut;
    for (let o = 0; o < nOut; o++) {
      let s = 0;
      const end = rowPtr[o + 1];
      for (let k = rowPtr[o]; k < end; k++) s += W[k] * x[x0 + col[k]];
      s += b[o];
      y[y0 + o] = relu ? 0.5 * (s + Math.abs(s)) : s;
    }
  }
}

/** G[o, i] += sum_r dy[r, o] x[r, i]: the full gradient, only at rewiring time. */
function accumulateDenseGrad(G: Float32Array, x: Float32Array, dy: Float32Array, rows: number, nIn: number, nOut: number): void {
  for (let r = 0; r < rows; r++) {
    const x0 = r * nIn, y0 = r * nOut;
    for (let o = 0; o < nOut; o++) {
      const d = dy[y0 + o];
      if (d === 0) continue;
      const g0 = o * nIn;
      for (let i = 0; i < nIn; i++) G[g0 + i] += d * x[x0 + i];
    }
  }
}

export function csrFromPositions(nIn: number, nOut: number, positions: Int32Array): { rowPtr: Int32Array; col: Int32Array } {
  const rowPtr = new Int32Array(nOut + 1);
  const col = new Int32Array(positions.length);
  for (let k = 0; k < positions.length; k++) {
    const p = positions[k];
    if (p < 0 || p >= nIn * nOut) throw new LearnError('bad-shape', `position ${p} outside a ${nOut}x${nIn} layer`);
    if (k > 0 && p <= positions[k - 1]) throw new LearnError('bad-shape', `positions must be sorted and distinct (index ${k})`);
    const o = Math.floor(p / nIn);
    rowPtr[o + 1]++;
    col[k] = p - o * nIn;
  }
  for (let o = 0; o < nOut; o++) rowPtr[o + 1] += rowPtr[o];
  return { rowPtr, col };
}

export function validateCsr(name: string, nIn: number, nOut: number, rowPtr: Int32Array, col: Int32Array): void {
  if (rowPtr.length !== nOut + 1 || rowPtr[0] !== 0 || rowPtr[nOut] !== col.length) {
    throw new LearnError('bad-shape', `layer ${name}: row pointer must have ${nOut + 1} entries from 0 to ${col.length}`);
  }
  for (let o = 0; o < nOut; o++) {
    const a = rowPtr[o], b = rowPtr[o + 1];
    if (b < a) throw new LearnError('bad-shape', `layer ${name}: row pointer decreases at output ${o}`);
    for (let k = a; k < b; k++) {
      const c = col[k];
      if (c < 0 || c >= nIn) throw new LearnError('bad-shape', `layer ${name}: output ${o} reads input ${c}, outside 0..${nIn - 1}`);
      if (k > a && c <= col[k - 1]) throw new LearnError('bad-shape', `layer ${name}: inputs of output ${o} are not strictly increasing`);
    }
  }
}
