// Dense linear layer: W is [out x in] row-major. The baseline the sparse
// layer is measured against, and the readout layers. Kernels block four rows
// so that each weight loaded serves four dot products (the sparse kernel
// does the same, so the comparison is fair).

import { ensure } from './errors';
import { type InitGain, type Layer, type Param, gainValue, makeParam } from './layer';
import type { Rng } from './rng';

export class DenseLayer implements Layer {
  readonly kind = 'dense' as const;
  readonly weight: Param;
  readonly bias: Param;

  constructor(readonly name: string, readonly nIn: number, readonly nOut: number, weights?: Float32Array, bias?: Float32Array) {
    ensure(Number.isInteger(nIn) && nIn > 0 && Number.isInteger(nOut) && nOut > 0, 'bad-shape', `layer ${name}: sizes must be positive integers, got ${nIn}x${nOut}`);
    ensure(!weights || weights.length === nIn * nOut, 'bad-shape', `layer ${name}: expected ${nIn * nOut} weights, got ${weights?.length}`);
    ensure(!bias || bias.length === nOut, 'bad-shape', `layer ${name}: expected ${nOut} biases, got ${bias?.length}`);
    this.weight = makeParam(`${name}.w`, weights ?? new Float32Array(nIn * nOut), true);
    this.bias = makeParam(`${name}.b`, bias ?? new Float32Array(nOut), false);
  }

  /** Normal(0, gain^2 / in) weights, zero bias. */
  init(rng: Rng, gain: InitGain): this {
    const std = gainValue(gain) / Math.sqrt(this.nIn);
    const w = this.weight.data;
    for (let k = 0; k < w.length; k++) w[k] = rng.normal() * std;
    this.bias.data.fill(0);
    return this;
  }

  nnz(): number {
    return this.nIn * this.nOut;
  }

  params(): Param[] {
    return [this.weight, this.bias];
  }

  zeroGrad(): void {
    this.weight.grad.fill(0);
    this.bias.grad.fill(0);
  }

  /** Y = X W^T + b into `out` when given, ReLU applied when `relu` (row results independent of grouping). */
  forward(x: Float32Array, rows: number, relu = false, out?: Float32Array): Float32Array {
    const { nIn, nOut } = this;
    const W = this.weight.data, b = this.bias.data;
    const y = out ?? new Float32Array(rows * nOut);
    let r = 0;
    for (; r + 3 < rows; r += 4) {
      const x0 = r * nIn, x1 = x0 + nIn, x2 = x1 + nIn, x3 = x2 + nIn;
      const y0 = r * nOut;
      for (let o = 0; o < nOut; o++) {
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        const wo = o * nIn;
        for (let i = 0; i < nIn; i++) {
          const w = W[wo + i];
          s0 += w * x[x0 + i];
          s1 += w * x[x1 + i];
          s2 += w * x[x2 + i];
          s3 += w * x[x3 + i];
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
        const wo = o * nIn;
        for (let i = 0; i < nIn; i++) s += W[wo + i] * x[x0 + i];
        s += b[o];
        y[y0 + o] = relu ? 0.5 * (s + Math.abs(s)) : s;
      }
    }
    return y;
  }

  /** The weights of inputs [c0, c1) as a layer of c1 - c0 inputs (bias copied when `bias`, else zero). */
  columnBlock(c0: number, c1: number, bias: boolean): DenseLayer {
    const { nIn, nOut } = this;
    const n = c1 - c0, W = this.weight.data;
    const w = new Float32Array(n * nOut);
    for (let o = 0; o < nOut; o++) for (let i = 0; i < n; i++) w[o * n + i] = W[o * nIn + c0 + i];
    return new DenseLayer(`${this.name}[${c0}:${c1}]`, n, nOut, w, bias ? this.bias.data.slice() : undefined);
  }

  backward(x: Float32Array, dy: Float32Array, rows: number, wantDx: boolean, paramGrad = true): Float32Array | null {
    const { nIn, nOut } = this;
    const W = this.weight.data, gW = this.weight.grad, gB = this.bias.grad;
    const dx = wantDx ? new Float32Array(rows * nIn) : null;
    let r = 0;
    for (; r + 3 < rows; r += 4) {
      const x0 = r * nIn, x1 = x0 + nIn, x2 = x1 + nIn, x3 = x2 + nIn;
      const y0 = r * nOut;
      for (let o = 0; o < nOut; o++) {
        const d0 = dy[y0 + o], d1 = dy[y0 + nOut + o], d2 = dy[y0 + 2 * nOut + o], d3 = dy[y0 + 3 * nOut + o];
        if (d0 === 0 && d1 === 0 && d2 === 0 && d3 === 0) continue;
        const wo = o * nIn;
        if (paramGrad) {
          gB[o] += d0 + d1 + d2 + d3;
          for (let i = 0; i < nIn; i++) gW[wo + i] += d0 * x[x0 + i] + d1 * x[x1 + i] + d2 * x[x2 + i] + d3 * x[x3 + i];
        }
        if (dx) {
          for (let i = 0; i < nIn; i++) {
            const w = W[wo + i];
            dx[x0 + i] += d0 * w;
            dx[x1 + i] += d1 * w;
            dx[x2 + i] += d2 * w;
            dx[x3 + i] += d3 * w;
          }
        }
      }
    }
    for (; r < rows; r++) {
      const x0 = r * nIn, y0 = r * nOut;
      for (let o = 0; o < nOut; o++) {
        const d = dy[y0 + o];
        if (d === 0) continue;
        const wo = o * nIn;
        if (paramGrad) {
          gB[o] += d;
          for (let i = 0; i < nIn; i++) gW[wo + i] += d * x[x0 + i];
        }
        if (dx) for (let i = 0; i < nIn; i++) dx[x0 + i] += d * W[wo + i];
      }
    }
    return dx;
  }
}
