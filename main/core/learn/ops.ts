// Element-wise and gather/scatter kernels of the graph network, kept as
// small monomorphic functions over row-major Float32Arrays (the JIT handles
// these far better than one large method, and loops run along contiguous
// rows).
//
// No branch depends on an activation's sign: signs are close to random, and
// a mispredicted branch per element costs several times the arithmetic (on
// this project's reference machine `if (t > 0)` ran at 8 ns per element,
// the branch-free forms at 1-1.5 ns; the layers fuse ReLU into their forward). ReLU(t) = (t + |t|) / 2 is exact
// in doubles (2t and the halving are exact; t <= 0 gives +0), and a
// comparison turned into a number, +(t > 0), compiles to a flag, not a jump.

/** dx *= (act > 0), in place. */
export function reluGrad(dx: Float32Array, act: Float32Array): Float32Array {
  for (let i = 0; i < dx.length; i++) dx[i] *= +(act[i] > 0);
  return dx;
}

/** z_v = (1 + eps) h_v + sum over messages u -> v of ReLU(h_u + e_uv). */
export function aggregate(h: Float32Array, e: Float32Array, msgSrc: Int32Array, msgDst: Int32Array, msgEdge: Int32Array, H: number, onePlusEps: number): Float32Array {
  const z = new Float32Array(h.length);
  for (let i = 0; i < z.length; i++) z[i] = onePlusEps * h[i];
  for (let k = 0; k < msgSrc.length; k++) {
    const s = msgSrc[k] * H, d = msgDst[k] * H, ee = msgEdge[k] * H;
    for (let f = 0; f < H; f++) {
      const t = h[s + f] + e[ee + f];
      z[d + f] += 0.5 * (t + Math.abs(t));
    }
  }
  return z;
}

/** Backward of aggregate: dh += (1 + eps) dz + messages' share, de += messages' share. */
export function aggregateBackward(
  h: Float32Array, e: Float32Array, dz: Float32Array, msgSrc: Int32Array, msgDst: Int32Array, msgEdge: Int32Array,
  H: number, onePlusEps: number, dh: Float32Array, de: Float32Array,
): void {
  for (let i = 0; i < dz.length; i++) dh[i] += onePlusEps * dz[i];
  for (let k = 0; k < msgSrc.length; k++) {
    const s = msgSrc[k] * H, d = msgDst[k] * H, ee = msgEdge[k] * H;
    for (let f = 0; f < H; f++) {
      const g = dz[d + f] * +(h[s + f] + e[ee + f] > 0);
      dh[s + f] += g;
      de[ee + f] += g;
    }
  }
}

/** q_e = [h_src(e), h_dst(e), e_e], [edges x 3H]. */
export function gatherEdgeInput(h: Float32Array, e: Float32Array, edgeSrc: Int32Array, edgeDst: Int32Array, H: number): Float32Array {
  const EB = edgeSrc.length, W = 3 * H;
  const q = new Float32Array(EB * W);
  for (let ge = 0; ge < EB; ge++) {
    const o = ge * W, s = edgeSrc[ge] * H, t = edgeDst[ge] * H, ee = ge * H;
    for (let f = 0; f < H; f++) {
      q[o + f] = h[s + f];
      q[o + H + f] = h[t + f];
      q[o + 2 * H + f] = e[ee + f];
    }
  }
  return q;
}

export function scatterEdgeInput(dq: Float32Array, edgeSrc: Int32Array, edgeDst: Int32Array, H: number, dh: Float32Array, de: Float32Array): void {
  const W = 3 * H;
  for (let ge = 0; ge < edgeSrc.length; ge++) {
    const o = ge * W, s = edgeSrc[ge] * H, t = edgeDst[ge] * H, ee = ge * H;
    for (let f = 0; f < H; f++) {
      dh[s + f] += dq[o + f];
      dh[t + f] += dq[o + H + f];
      de[ee + f] += dq[o + 2 * H + f];
    }
  }
}

/**
 * Mean and max over rows [r0, r1) of x ([rows x W]) whose `active` flag is
 * set (all when null), written to out[at .. at+W) and out[at+W .. at+2W);
 * argmax rows to arg[argAt ..] (-1 and zeros when no row counts).
 */
export function poolRows(
  x: Float32Array, W: number, r0: number, r1: number, active: Uint8Array | null,
  out: Float32Array, at: number, arg: Int32Array, argAt: number, sum: Float64Array,
): number {
  sum.fill(0);
  for (let f = 0; f < W; f++) {
    out[at + W + f] = -Infinity;
    arg[argAt + f] = -1;
  }
  let n = 0;
  for (let r = r0; r < r1; r++) {
    if (active && !active[r]) continue;
    n++;
    const o = r * W;
    for (let f = 0; f < W; f++) {
      const v = x[o + f];
      sum[f] += v;
      if (v > out[at + W + f]) {
        out[at + W + f] = v;
        arg[argAt + f] = r;
      }
    }
  }
  for (let f = 0; f < W; f++) {
    out[at + f] = n > 0 ? sum[f] / n : 0;
    if (n === 0) out[at + W + f] = 0;
  }
  return n;
}

/** Backward of poolRows: dx gets dMean / n on every counted row and dMax on each argmax row. */
export function poolRowsBackward(
  dOut: Float32Array, at: number, W: number, r0: number, r1: number, active: Uint8Array | null, n: number,
  arg: Int32Array, argAt: number, dx: Float32Array,
): void {
  if (n > 0) {
    for (let r = r0; r < r1; r++) {
      if (active && !active[r]) continue;
      const o = r * W;
      for (let f = 0; f < W; f++) dx[o + f] += dOut[at + f] / n;
    }
  }
  for (let f = 0; f < W; f++) {
    const r = arg[argAt + f];
    if (r >= 0) dx[r * W + f] += dOut[at + W + f];
  }
}
