// makeYbus: the bus admittance matrix from MATPOWER's pi branch model, in
// CSR with separate real (G) and imaginary (B) parts. Each branch keeps its
// four admittance terms and their slots in the matrix, so an outage can be
// applied by subtracting them without changing the sparsity pattern (the
// Jacobian's symbolic factorization is then reused for every contingency).

import type { Network } from './network';

export interface BranchAdmittance {
  // Per branch: Yff, Yft, Ytf, Ytt (real and imaginary parts).
  ffR: Float64Array; ffI: Float64Array;
  ftR: Float64Array; ftI: Float64Array;
  tfR: Float64Array; tfI: Float64Array;
  ttR: Float64Array; ttI: Float64Array;
}

export interface Ybus extends BranchAdmittance {
  n: number;
  rowPtr: Int32Array;
  colIdx: Int32Array; // sorted within each row, diagonal always present
  G: Float64Array;
  B: Float64Array;
  /** Slot of each bus's diagonal entry. */
  diag: Int32Array;
  /** Per branch: slots of (f,f), (f,t), (t,f), (t,t) in G/B. */
  slotFF: Int32Array; slotFT: Int32Array; slotTF: Int32Array; slotTT: Int32Array;
}

/** Branch admittances of the pi model: series Ys, charging Bc, complex tap ratio. */
export function branchAdmittance(net: Network): BranchAdmittance {
  const nl = net.nl;
  const ffR = new Float64Array(nl), ffI = new Float64Array(nl), ftR = new Float64Array(nl), ftI = new Float64Array(nl);
  const tfR = new Float64Array(nl), tfI = new Float64Array(nl), ttR = new Float64Array(nl), ttI = new Float64Array(nl);
  for (let k = 0; k < nl; k++) {
    const r = net.r[k], x = net.x[k];
    const d = r * r + x * x;
    const ysR = r / d, ysI = -x / d; // Ys = 1 / (r + jx)
    const bc2 = net.b[k] / 2;
    const m = net.ratio[k], th = net.shift[k];
    const tR = m * Math.cos(th), tI = m * Math.sin(th); // tap = m e^{j th}
    // Ytt = Ys + j Bc/2; Yff = Ytt / |tap|^2
    ttR[k] = ysR; ttI[k] = ysI + bc2;
    ffR[k] = ttR[k] / (m * m); ffI[k] = ttI[k] / (m * m);
    // Yft = -Ys / conj(tap); Ytf = -Ys / tap
    const m2 = m * m;
    // 1/conj(tap) = tap / |tap|^2 ; 1/tap = conj(tap) / |tap|^2
    ftR[k] = -(ysR * tR - ysI * tI) / m2; ftI[k] = -(ysR * tI + ysI * tR) / m2;
    tfR[k] = -(ysR * tR + ysI * tI) / m2; tfI[k] = -(ysI * tR - ysR * tI) / m2;
  }
  return { ffR, ffI, ftR, ftI, tfR, tfI, ttR, ttI };
}

export function makeYbus(net: Network): Ybus {
  const n = net.nb, nl = net.nl;
  const adm = branchAdmittance(net);
  // Pattern: diagonal + both directions of every branch, deduplicated.
  const deg = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) deg[i] = 1;
  for (let k = 0; k < nl; k++) { deg[net.f[k]]++; deg[net.t[k]]++; }
  const tmpPtr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) tmpPtr[i + 1] = tmpPtr[i] + deg[i];
  const tmpCol = new Int32Array(tmpPtr[n]);
  const fill = tmpPtr.slice(0, n);
  for (let i = 0; i < n; i++) tmpCol[fill[i]++] = i;
  for (let k = 0; k < nl; k++) {
    const f = net.f[k], t = net.t[k];
    tmpCol[fill[f]++] = t; tmpCol[fill[t]++] = f;
  }
  // Sort each row's columns in place and drop duplicates (parallel branches).
  const rowPtr = new Int32Array(n + 1);
  let w = 0;
  for (let i = 0; i < n; i++) {
    const row = tmpCol.subarray(tmpPtr[i], tmpPtr[i + 1]).sort();
    const start = w;
    for (let k = 0; k < row.length; k++) if (w === start || tmpCol[w - 1] !== row[k]) tmpCol[w++] = row[k];
    rowPtr[i + 1] = w;
  }
  const colIdx = tmpCol.slice(0, w);
  const slot = (i: number, j: number): number => {
    let lo = rowPtr[i], hi = rowPtr[i + 1] - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = colIdx[mid];
      if (c === j) return mid;
      if (c < j) lo = mid + 1; else hi = mid - 1;
    }
    throw new Error(`Ybus: no slot (${i},${j})`);
  };
  const diag = new Int32Array(n);
  for (let i = 0; i < n; i++) diag[i] = slot(i, i);
  const slotFF = new Int32Array(nl), slotFT = new Int32Array(nl), slotTF = new Int32Array(nl), slotTT = new Int32Array(nl);
  for (let k = 0; k < nl; k++) {
    const f = net.f[k], t = net.t[k];
    slotFF[k] = diag[f]; slotTT[k] = diag[t]; slotFT[k] = slot(f, t); slotTF[k] = slot(t, f);
  }
  const G = new Float64Array(colIdx.length), B = new Float64Array(colIdx.length);
  for (let i = 0; i < n; i++) { G[diag[i]] += net.Gs[i]; B[diag[i]] += net.Bs[i]; }
  const y: Ybus = { n, rowPtr, colIdx, G, B, diag, slotFF, slotFT, slotTF, slotTT, ...adm };
  for (let k = 0; k < nl; k++) addBranch(y, k, 1);
  return y;
}

/** Add (sign 1) or remove (sign -1) one branch's contribution in place. */
export function addBranch(y: Ybus, k: number, sign: 1 | -1): void {
  y.G[y.slotFF[k]] += sign * y.ffR[k]; y.B[y.slotFF[k]] += sign * y.ffI[k];
  y.G[y.slotFT[k]] += sign * y.ftR[k]; y.B[y.slotFT[k]] += sign * y.ftI[k];
  y.G[y.slotTF[k]] += sign * y.tfR[k]; y.B[y.slotTF[k]] += sign * y.tfI[k];
  y.G[y.slotTT[k]] += sign * y.ttR[k]; y.B[y.slotTT[k]] += sign * y.ttI[k];
}

/**
 * Branch flows in p.u. from rectangular voltages:
 * Sf = Vf conj(Yff Vf + Yft Vt), St = Vt conj(Ytf Vf + Ytt Vt).
 */
export function branchFlows(
  net: Network, y: BranchAdmittance, Vr: Float64Array, Vi: Float64Array,
  out: { pf: Float64Array; qf: Float64Array; pt: Float64Array; qt: Float64Array },
): void {
  for (let k = 0; k < net.nl; k++) {
    const f = net.f[k], t = net.t[k];
    const fr = Vr[f], fi = Vi[f], tr = Vr[t], ti = Vi[t];
    const ifR = y.ffR[k] * fr - y.ffI[k] * fi + y.ftR[k] * tr - y.ftI[k] * ti;
    const ifI = y.ffR[k] * fi + y.ffI[k] * fr + y.ftR[k] * ti + y.ftI[k] * tr;
    const itR = y.tfR[k] * fr - y.tfI[k] * fi + y.ttR[k] * tr - y.ttI[k] * ti;
    const itI = y.tfR[k] * fi + y.tfI[k] * fr + y.ttR[k] * ti + y.ttI[k] * tr;
    out.pf[k] = fr * ifR + fi * ifI; out.qf[k] = fi * ifR - fr * ifI;
    out.pt[k] = tr * itR + ti * itI; out.qt[k] = ti * itR - tr * itI;
  }
}

/**
 * Outages applied to a Ybus in place and undone exactly: a branch's four
 * terms are subtracted (the pattern stays, so the Jacobian's symbolic
 * analysis serves every contingency) and its slots restored from a copy of
 * the intact matrix (adding the terms back could round differently).
 */
export class YbusOutage {
  private readonly G0: Float64Array;
  private readonly B0: Float64Array;

  constructor(readonly y: Ybus) {
    this.G0 = Float64Array.from(y.G);
    this.B0 = Float64Array.from(y.B);
  }

  /** Runs fn with branch k out of the matrix; the matrix is intact again afterwards, even when fn throws. */
  without<T>(k: number, fn: () => T): T {
    addBranch(this.y, k, -1);
    try {
      return fn();
    } finally {
      const { y, G0, B0 } = this;
      for (const s of [y.slotFF[k], y.slotFT[k], y.slotTF[k], y.slotTT[k]]) { y.G[s] = G0[s]; y.B[s] = B0[s]; }
    }
  }
}
