// Batch normalisation over the nodes of a batch (per feature), as GIN puts
// after each linear map of its MLPs. Without it, sum aggregation and sum
// pooling multiply activations by the degree at every layer and by the graph
// size at the readout (first-epoch losses of 10+ on MUTAG, worse on PROTEINS).
// Training normalises with the batch's statistics and updates running ones;
// evaluation uses the running ones.

import { type Param, makeParam } from '../layer';

export interface NormCache {
  xhat: Float32Array;
  invStd: Float32Array;
  rows: number;
}

export class BatchNorm {
  readonly gamma: Param;
  readonly beta: Param;
  readonly runMean: Float32Array;
  readonly runVar: Float32Array;

  constructor(readonly name: string, readonly dim: number, readonly momentum = 0.1, readonly eps = 1e-5) {
    this.gamma = makeParam(`${name}.gamma`, new Float32Array(dim).fill(1), false);
    this.beta = makeParam(`${name}.beta`, new Float32Array(dim), false);
    this.runMean = new Float32Array(dim);
    this.runVar = new Float32Array(dim).fill(1);
  }

  params(): Param[] {
    return [this.gamma, this.beta];
  }

  /** y = gamma * (x - mean) / sqrt(var + eps) + beta, ReLU when `relu`; the cache is for backward (training only). */
  forward(x: Float32Array, rows: number, training: boolean, relu: boolean): { y: Float32Array; cache: NormCache | null } {
    const D = this.dim, y = new Float32Array(rows * D);
    const mean = new Float64Array(D), vr = new Float64Array(D);
    if (training && rows > 0) {
      for (let r = 0; r < rows; r++) for (let c = 0; c < D; c++) mean[c] += x[r * D + c];
      for (let c = 0; c < D; c++) mean[c] /= rows;
      for (let r = 0; r < rows; r++) for (let c = 0; c < D; c++) vr[c] += (x[r * D + c] - mean[c]) ** 2;
      for (let c = 0; c < D; c++) {
        vr[c] /= rows;
        this.runMean[c] = (1 - this.momentum) * this.runMean[c] + this.momentum * mean[c];
        this.runVar[c] = (1 - this.momentum) * this.runVar[c] + this.momentum * vr[c];
      }
    } else {
      for (let c = 0; c < D; c++) { mean[c] = this.runMean[c]; vr[c] = this.runVar[c]; }
    }
    const invStd = new Float32Array(D);
    for (let c = 0; c < D; c++) invStd[c] = 1 / Math.sqrt(vr[c] + this.eps);
    const xhat = training ? new Float32Array(rows * D) : null;
    const g = this.gamma.data, b = this.beta.data;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < D; c++) {
        const k = r * D + c, xh = (x[k] - mean[c]) * invStd[c];
        if (xhat) xhat[k] = xh;
        const v = g[c] * xh + b[c];
        y[k] = relu && v < 0 ? 0 : v;
      }
    }
    return { y, cache: xhat ? { xhat, invStd, rows } : null };
  }

  /** dL/dx from dL/dy (already masked by the ReLU when there is one); accumulates gamma's and beta's gradients. */
  backward(dy: Float32Array, cache: NormCache): Float32Array {
    const D = this.dim, { xhat, invStd, rows } = cache;
    const sumD = new Float64Array(D), sumDX = new Float64Array(D);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < D; c++) {
        const k = r * D + c;
        sumD[c] += dy[k];
        sumDX[c] += dy[k] * xhat[k];
      }
    }
    const g = this.gamma.data, dx = new Float32Array(rows * D);
    for (let c = 0; c < D; c++) {
      this.gamma.grad[c] += sumDX[c];
      this.beta.grad[c] += sumD[c];
    }
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < D; c++) {
        const k = r * D + c;
        dx[k] = (g[c] * invStd[c] / rows) * (rows * dy[k] - sumD[c] - xhat[k] * sumDX[c]);
      }
    }
    return dx;
  }
}
