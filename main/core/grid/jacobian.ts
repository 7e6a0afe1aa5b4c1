// The polar Newton-Raphson Jacobian J = [dP/dVa dP/dVm; dQ/dVa dQ/dVm] over
// unknowns Va(pv,pq) and Vm(pq) (MATPOWER's ordering), assembled straight
// into CSC values through a precomputed slot map: one pass over Ybus, no
// allocation, pattern fixed for the network.

import type { CSC } from '../linalg';
import type { Ybus } from './ybus';

export interface JacobianPattern {
  csc: CSC;
  /** Unknown index of Va at each bus, -1 for reference buses. */
  vaIdx: Int32Array;
  /** Unknown index of Vm at each bus, -1 for PV and reference buses. */
  vmIdx: Int32Array;
  /** For Ybus slot s: positions in csc.values of J11, J12, J21, J22 (or -1). */
  slot: Int32Array;
  /** For each bus, the values positions of its P/Va and Q/Vm diagonal entries. */
  diagP: Int32Array; diagQ: Int32Array;
  n: number;
}

export function jacobianPattern(y: Ybus, pv: Int32Array, pq: Int32Array): JacobianPattern {
  const nb = y.n;
  const vaIdx = new Int32Array(nb).fill(-1), vmIdx = new Int32Array(nb).fill(-1);
  let k = 0;
  for (const i of pv) vaIdx[i] = k++;
  for (const i of pq) vaIdx[i] = k++;
  for (const i of pq) vmIdx[i] = k++;
  const n = k;
  const nnzY = y.colIdx.length;
  // Triplets: entry e = 4*s + q.
  const rowOf = new Int32Array(4 * nnzY).fill(-1), colOf = new Int32Array(4 * nnzY).fill(-1);
  const count = new Int32Array(n + 1);
  for (let i = 0; i < nb; i++) {
    const pr = vaIdx[i], qr = vmIdx[i];
    if (pr < 0) continue; // reference bus: no equations
    for (let s = y.rowPtr[i]; s < y.rowPtr[i + 1]; s++) {
      const j = y.colIdx[s];
      const ac = vaIdx[j], mc = vmIdx[j];
      if (ac >= 0) { rowOf[4 * s] = pr; colOf[4 * s] = ac; count[ac + 1]++; }
      if (mc >= 0) { rowOf[4 * s + 1] = pr; colOf[4 * s + 1] = mc; count[mc + 1]++; }
      if (qr >= 0 && ac >= 0) { rowOf[4 * s + 2] = qr; colOf[4 * s + 2] = ac; count[ac + 1]++; }
      if (qr >= 0 && mc >= 0) { rowOf[4 * s + 3] = qr; colOf[4 * s + 3] = mc; count[mc + 1]++; }
    }
  }
  const colPtr = new Int32Array(n + 1);
  for (let c = 0; c < n; c++) colPtr[c + 1] = colPtr[c] + count[c + 1];
  const nnz = colPtr[n];
  const rowIdx = new Int32Array(nnz);
  const entryAt = new Int32Array(nnz);
  const next = colPtr.slice(0, n);
  for (let e = 0; e < 4 * nnzY; e++) {
    const c = colOf[e];
    if (c < 0) continue;
    const p = next[c]++;
    rowIdx[p] = rowOf[e]; entryAt[p] = e;
  }
  // Sort rows within each column (insertion sort: columns are short).
  for (let c = 0; c < n; c++) {
    for (let p = colPtr[c] + 1; p < colPtr[c + 1]; p++) {
      const r = rowIdx[p], e = entryAt[p];
      let q = p - 1;
      while (q >= colPtr[c] && rowIdx[q] > r) { rowIdx[q + 1] = rowIdx[q]; entryAt[q + 1] = entryAt[q]; q--; }
      rowIdx[q + 1] = r; entryAt[q + 1] = e;
    }
  }
  const slot = new Int32Array(4 * nnzY).fill(-1);
  for (let p = 0; p < nnz; p++) slot[entryAt[p]] = p;
  const diagP = new Int32Array(nb).fill(-1), diagQ = new Int32Array(nb).fill(-1);
  for (let i = 0; i < nb; i++) {
    const d = y.diag[i];
    diagP[i] = slot[4 * d];
    diagQ[i] = slot[4 * d + 3];
  }
  return { csc: { nrows: n, ncols: n, colPtr, rowIdx, values: new Float64Array(nnz) }, vaIdx, vmIdx, slot, diagP, diagQ, n };
}

/**
 * Fill J's values for voltages (Vr, Vi) with bus currents I = Ybus V already
 * computed in (Ir, Ii). Buses with active[i] = 0 (cut off from the main
 * island) get identity rows, so the pattern and the factorization's symbolic
 * analysis stay the same.
 */
export function assembleJacobian(
  jp: JacobianPattern, y: Ybus, Vr: Float64Array, Vi: Float64Array, Vm: Float64Array,
  Ir: Float64Array, Ii: Float64Array, active: Uint8Array | null,
): void {
  const val = jp.csc.values;
  const slot = jp.slot;
  const { rowPtr, colIdx, G, B } = y;
  for (let i = 0; i < y.n; i++) {
    if (jp.vaIdx[i] < 0) continue;
    const vr = Vr[i], vi = Vi[i];
    if (active !== null && active[i] === 0) {
      for (let s = rowPtr[i]; s < rowPtr[i + 1]; s++) {
        for (let q = 0; q < 4; q++) { const p = slot[4 * s + q]; if (p >= 0) val[p] = 0; }
      }
      val[jp.diagP[i]] = 1;
      if (jp.diagQ[i] >= 0) val[jp.diagQ[i]] = 1;
      continue;
    }
    for (let s = rowPtr[i]; s < rowPtr[i + 1]; s++) {
      const j = colIdx[s];
      // a = V_i conj(Y_ij V_j)
      const yr = G[s], yi = B[s];
      const wr = yr * Vr[j] - yi * Vi[j], wi = yr * Vi[j] + yi * Vr[j];
      let ar = vr * wr + vi * wi, ai = vi * wr - vr * wi;
      // dS/dVa = -j a (+ j S_i on the diagonal); dS/dVm = a / Vm_j (+ S_i / Vm_i)
      let dar = ai, dai = -ar;
      if (j === i) {
        const sr = vr * Ir[i] + vi * Ii[i], si = vi * Ir[i] - vr * Ii[i];
        dar -= si; dai += sr;
        ar += sr; ai += si;
      }
      const inv = 1 / Vm[j];
      const e = 4 * s;
      let p = slot[e]; if (p >= 0) val[p] = dar;
      p = slot[e + 1]; if (p >= 0) val[p] = ar * inv;
      p = slot[e + 2]; if (p >= 0) val[p] = dai;
      p = slot[e + 3]; if (p >= 0) val[p] = ai * inv;
    }
  }
}
