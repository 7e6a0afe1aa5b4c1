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
 * One pass over Ybus that gives both the mismatch and the Jacobian: with
 * a_ij = V_i conj(Y_ij V_j), the injection is S_i = sum_j a_ij and every
 * Jacobian entry is a_ij rotated or scaled (MATPOWER's dSbus_dV). Fills F
 * (P rows for pv/pq, Q rows for pq, minus the scheduled injections) and J's
 * values, and returns max |F| (NaN when a value is not finite).
 *
 * Buses with active[i] = 0 (cut off from the main island) get identity rows
 * and zero mismatch, so the pattern and the factorization's symbolic
 * analysis stay the same.
 */
export function evaluate(
  jp: JacobianPattern, y: Ybus, Vr: Float64Array, Vi: Float64Array, invVm: Float64Array,
  Pbus: Float64Array, Qbus: Float64Array, active: Uint8Array | null, F: Float64Array,
): number {
  const val = jp.csc.values;
  const slot = jp.slot;
  const { rowPtr, colIdx, G, B } = y;
  const { vaIdx, vmIdx } = jp;
  let norm = 0;
  for (let i = 0; i < y.n; i++) {
    const pr = vaIdx[i];
    if (pr < 0) continue; // reference bus: no equations
    const qr = vmIdx[i];
    const s0 = rowPtr[i], s1 = rowPtr[i + 1];
    if (active !== null && active[i] === 0) {
      for (let s = s0; s < s1; s++) {
        const e = 4 * s;
        let p = slot[e]; if (p >= 0) val[p] = 0;
        p = slot[e + 1]; if (p >= 0) val[p] = 0;
        p = slot[e + 2]; if (p >= 0) val[p] = 0;
        p = slot[e + 3]; if (p >= 0) val[p] = 0;
      }
      val[jp.diagP[i]] = 1;
      F[pr] = 0;
      if (qr >= 0) { val[jp.diagQ[i]] = 1; F[qr] = 0; }
      continue;
    }
    const vr = Vr[i], vi = Vi[i];
    let sr = 0, si = 0, dr = 0, di = 0;
    for (let s = s0; s < s1; s++) {
      const j = colIdx[s];
      const g = G[s], b = B[s], xr = Vr[j], xi = Vi[j];
      const wr = g * xr - b * xi, wi = g * xi + b * xr;
      const ar = vr * wr + vi * wi, ai = vi * wr - vr * wi;
      sr += ar; si += ai;
      if (j === i) { dr = ar; di = ai; continue; }
      const inv = invVm[j];
      const e = 4 * s;
      let p = slot[e]; if (p >= 0) val[p] = ai;          // dP/dVa = Re(-j a)
      p = slot[e + 1]; if (p >= 0) val[p] = ar * inv;     // dP/dVm = Re(a / Vm_j)
      p = slot[e + 2]; if (p >= 0) val[p] = -ar;          // dQ/dVa = Im(-j a)
      p = slot[e + 3]; if (p >= 0) val[p] = ai * inv;     // dQ/dVm = Im(a / Vm_j)
    }
    // Diagonal: dS/dVa = -j a_ii + j S_i, dS/dVm = (a_ii + S_i) / Vm_i.
    const e = 4 * y.diag[i], inv = invVm[i];
    let p = slot[e]; if (p >= 0) val[p] = di - si;
    p = slot[e + 1]; if (p >= 0) val[p] = (dr + sr) * inv;
    p = slot[e + 2]; if (p >= 0) val[p] = sr - dr;
    p = slot[e + 3]; if (p >= 0) val[p] = (di + si) * inv;
    norm = busMismatch(F, pr, qr, sr - Pbus[i], si - Qbus[i], norm);
  }
  return norm;
}

/**
 * F of evaluate alone, without the Jacobian (the chord steps of ac-step.ts
 * keep the base point's factors and need only the mismatch: on
 * case_ACTIVSg2000 evaluate costs more than a solve of the factors). Sums
 * the current I_i = sum_j Y_ij V_j first and takes S_i = V_i conj(I_i) once
 * per bus (half the products of evaluate's per-entry power terms, which the
 * Jacobian needs and this does not; 35% faster on case_ACTIVSg2000, equal to
 * evaluate's F to rounding). Every bus is active. Returns max |F| (NaN when
 * a value is not finite).
 */
export function mismatch(jp: JacobianPattern, y: Ybus, Vr: Float64Array, Vi: Float64Array, Pbus: Float64Array, Qbus: Float64Array, F: Float64Array): number {
  const { rowPtr, colIdx, G, B } = y;
  const { vaIdx, vmIdx } = jp;
  let norm = 0;
  for (let i = 0; i < y.n; i++) {
    const pr = vaIdx[i];
    if (pr < 0) continue;
    let ir = 0, ii = 0;
    for (let s = rowPtr[i]; s < rowPtr[i + 1]; s++) {
      const j = colIdx[s];
      const g = G[s], b = B[s], xr = Vr[j], xi = Vi[j];
      ir += g * xr - b * xi; ii += g * xi + b * xr;
    }
    const vr = Vr[i], vi = Vi[i];
    norm = busMismatch(F, pr, vmIdx[i], vr * ir + vi * ii - Pbus[i], vi * ir - vr * ii - Qbus[i], norm);
  }
  return norm;
}

/** Writes bus i's P (and Q) mismatch into F and returns the running max |F| (NaN sticks). */
function busMismatch(F: Float64Array, pr: number, qr: number, fp: number, fq: number, norm: number): number {
  F[pr] = fp;
  const ap = fp < 0 ? -fp : fp;
  if (!(ap <= norm)) norm = ap;
  if (qr >= 0) {
    F[qr] = fq;
    const aq = fq < 0 ? -fq : fq;
    if (!(aq <= norm)) norm = aq;
  }
  return norm;
}
