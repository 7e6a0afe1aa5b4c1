// A first-order AC estimate of a branch outage: the first Newton-Raphson
// step of the post-outage power flow from the solved base case, with the
// base case's Jacobian factors. Removing branch k changes the Jacobian only
// in the rows and columns of k's end buses (at most 4 x 4, block D), so the
// post-outage Jacobian J - P D P^T is inverted by Woodbury with m <= 4 solves
// of the base factors (Z = J^-1 P, M = P^T Z):
//   dx = Z (F + D (I - M D)^-1 M F),   F = minus k's base flows at its ends
// (the mismatch the outage leaves at the base point). Unlike the DC-LODF
// screen it sees reactive flows, voltage magnitudes and the change of
// losses the reference bus picks up: on case_ACTIVSg2000 most counted
// overloads the DC screen cannot list are base-overloaded branches that an
// outage worsens by a point through exactly those (see the README).
//
// Further steps are chord (fixed-Jacobian) Newton steps with the same
// post-outage Jacobian at the base point: each costs one solve of the base
// factors, the post-outage mismatch and the same m x m Woodbury correction,
//   dx = u + Z D (I - M D)^-1 P^T u,   u = J0^-1 F(x)
// and brings the estimate of a converging outage close to the exact
// post-outage state (the base case's own residual F0 is taken out of F, so
// the first step is the one above).

import { SparseLU } from '../linalg';
import { makeSbus } from './acpf';
import { evaluate, jacobianPattern, mismatch, type JacobianPattern } from './jacobian';
import { branchLoading } from './limits';
import type { Network } from './network';
import { makeYbus, YbusOutage, type Ybus } from './ybus';

export class AcOutageStep {
  private readonly y: Ybus;
  private readonly jp: JacobianPattern;
  private readonly lu: SparseLU;
  private readonly J0: Float64Array;
  private readonly Vr: Float64Array; private readonly Vi: Float64Array; private readonly invVm: Float64Array;
  private readonly zeros: Float64Array; private readonly Fscratch: Float64Array;
  private readonly columns: InverseColumns; private readonly Z: Float64Array[];
  private readonly dx: Float64Array;
  // Chord steps: the specified injections, the base residual, scratch voltages and mismatch.
  private readonly outage: YbusOutage;
  private readonly Pbus: Float64Array; private readonly Qbus: Float64Array;
  private readonly F0: Float64Array; private readonly F: Float64Array;
  private readonly Vr1: Float64Array; private readonly Vi1: Float64Array;
  /** Largest mismatch (p.u.) left after the last estimate's steps (NaN when not evaluated: one step). */
  residual = NaN;
  /** Post-step voltages of the last estimate (every bus). */
  readonly Vm: Float64Array;
  readonly Va: Float64Array;

  constructor(readonly net: Network, private readonly Vm0: Float64Array, private readonly Va0: Float64Array) {
    const nb = net.nb;
    this.y = makeYbus(net);
    this.jp = jacobianPattern(this.y, net.pv, net.pq);
    this.Vr = new Float64Array(nb); this.Vi = new Float64Array(nb); this.invVm = new Float64Array(nb);
    for (let i = 0; i < nb; i++) { this.Vr[i] = Vm0[i] * Math.cos(Va0[i]); this.Vi[i] = Vm0[i] * Math.sin(Va0[i]); this.invVm[i] = 1 / Vm0[i]; }
    this.zeros = new Float64Array(nb);
    this.Fscratch = new Float64Array(this.jp.n);
    evaluate(this.jp, this.y, this.Vr, this.Vi, this.invVm, this.zeros, this.zeros, null, this.Fscratch);
    this.J0 = Float64Array.from(this.jp.csc.values);
    this.lu = new SparseLU(this.jp.csc, { pivotTol: 0.001 });
    this.lu.factor(this.J0);
    this.columns = new InverseColumns(this.lu, this.jp.n);
    this.Z = [];
    this.dx = new Float64Array(this.jp.n);
    this.Vm = Float64Array.from(Vm0);
    this.Va = Float64Array.from(Va0);
    this.outage = new YbusOutage(this.y);
    ({ Pbus: this.Pbus, Qbus: this.Qbus } = makeSbus(net));
    this.F0 = new Float64Array(this.jp.n);
    this.F = new Float64Array(this.jp.n);
    this.Vr1 = new Float64Array(nb); this.Vi1 = new Float64Array(nb);
    // The base residual as the chord steps measure theirs (mismatch), so that it cancels exactly at the base point.
    mismatch(this.jp, this.y, this.Vr, this.Vi, this.Pbus, this.Qbus, this.F0);
  }

  /**
   * Post-step Vm, Va (this.Vm / this.Va) for the outage of internal branch
   * k with base flows (pf, qf, pt, qt) p.u., after `steps` steps (the first
   * Newton step, then chord steps until the mismatch is below `tol`); false
   * when the step is not defined (the outage splits the grid, or a pivot
   * vanishes) or diverges.
   */
  estimate(k: number, pf: number, qf: number, pt: number, qt: number, steps = 1, tol = 1e-6): boolean {
    const { net, jp } = this;
    const f = net.f[k], t = net.t[k];
    // Not evaluated until a chord step measures it (a failed estimate leaves it NaN).
    this.residual = NaN;
    this.Vm.set(this.Vm0);
    this.Va.set(this.Va0);
    this.Vr1.set(this.Vr);
    this.Vi1.set(this.Vi);
    // Unknowns (= equation rows) of k's end buses and the mismatch the outage leaves there.
    const idx: number[] = [], Fr: number[] = [];
    const add = (i: number, p: number, q: number) => {
      if (jp.vaIdx[i] >= 0) { idx.push(jp.vaIdx[i]); Fr.push(-p); }
      if (jp.vmIdx[i] >= 0) { idx.push(jp.vmIdx[i]); Fr.push(-q); }
    };
    add(f, pf, qf);
    if (t !== f) add(t, pt, qt);
    const m = idx.length;
    // Both ends slack: no unknown moves, so the base point solves the outage.
    if (m === 0) { this.residual = 0; return true; }
    // D = J0 - J_post on idx x idx: the Jacobian of k's own end flows (polar, as jacobian.ts).
    const D = this.branchJacobian(k, idx, m);
    // Z = J0^-1 P, M = P^T Z (columns of end buses' unknowns, shared by the outages of a bus's branches).
    const M = new Float64Array(m * m);
    const Z = this.Z;
    Z.length = m;
    for (let b = 0; b < m; b++) {
      Z[b] = this.columns.get(idx[b]);
      for (let a = 0; a < m; a++) M[a * m + b] = Z[b][idx[a]];
    }
    // g = F + D (I - M D)^-1 M F.
    const MF = new Float64Array(m);
    for (let a = 0; a < m; a++) { let s = 0; for (let b = 0; b < m; b++) s += M[a * m + b] * Fr[b]; MF[a] = s; }
    const S = new Float64Array(m * m);
    for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) {
      let s = a === b ? 1 : 0;
      for (let c = 0; c < m; c++) s -= M[a * m + c] * D[c * m + b];
      S[a * m + b] = s;
    }
    const w = solveSmall(S, MF, m);
    if (!w) return false;
    const g = new Float64Array(m);
    for (let a = 0; a < m; a++) { let s = Fr[a]; for (let b = 0; b < m; b++) s += D[a * m + b] * w[b]; g[a] = s; }
    const dx = this.dx;
    dx.fill(0);
    addColumns(dx, Z, g);
    if (!this.apply(dx)) return false;
    for (let step = 1; step < steps; step++) {
      // F(x) of the post-outage grid, less the base residual.
      const { Vr1, Vi1, F, F0 } = this;
      this.outage.without(k, () => mismatch(jp, this.y, Vr1, Vi1, this.Pbus, this.Qbus, F));
      let worst = 0;
      for (let r = 0; r < F.length; r++) { F[r] -= F0[r]; worst = Math.max(worst, Math.abs(F[r])); }
      this.residual = worst;
      if (!Number.isFinite(worst)) return false;
      if (worst < tol) break;
      // u = J0^-1 F; dx = u + Z D (I - M D)^-1 P^T u.
      this.lu.solve(F, dx);
      const Pu = new Float64Array(m);
      for (let a = 0; a < m; a++) Pu[a] = dx[idx[a]];
      const v = solveSmall(S, Pu, m);
      if (!v) return false;
      for (let a = 0; a < m; a++) { let s2 = 0; for (let b = 0; b < m; b++) s2 += D[a * m + b] * v[b]; g[a] = s2; }
      addColumns(dx, Z, g);
      if (!this.apply(dx)) return false;
    }
    return true;
  }

  /**
   * x -= dx on the unknowns, and the cartesian voltages with them; false
   * when dx is not finite. A step turns each voltage by a small angle d, so
   * V' = (Vm' / Vm) V e^{jd} with cos d and sin d from their series (exact
   * to double precision for |d| <= SMALL_TURN): no trigonometric call for
   * most buses, where cos and sin of the new angle were the step's dearest
   * part after the solve and the mismatch.
   */
  private apply(dx: Float64Array): boolean {
    const { net, jp, Va, Vm, Vr1, Vi1 } = this;
    for (let r = 0; r < dx.length; r++) if (!Number.isFinite(dx[r])) return false;
    for (let i = 0; i < net.nb; i++) {
      const ja = jp.vaIdx[i], jm = jp.vmIdx[i];
      const d = ja >= 0 ? -dx[ja] : 0, dm = jm >= 0 ? dx[jm] : 0;
      if (d === 0 && dm === 0) continue;
      const vm0 = Vm[i];
      Va[i] += d;
      Vm[i] -= dm;
      if (Math.abs(d) <= SMALL_TURN && vm0 !== 0) {
        const d2 = d * d;
        const c = 1 - d2 * (1 / 2 - d2 * (1 / 24 - d2 * (1 / 720 - d2 / 40320)));
        const sn = d * (1 - d2 * (1 / 6 - d2 * (1 / 120 - d2 * (1 / 5040 - d2 / 362880))));
        const scale = Vm[i] / vm0, vr = Vr1[i], vi = Vi1[i];
        Vr1[i] = scale * (vr * c - vi * sn);
        Vi1[i] = scale * (vr * sn + vi * c);
      } else {
        Vr1[i] = Vm[i] * Math.cos(Va[i]);
        Vi1[i] = Vm[i] * Math.sin(Va[i]);
      }
    }
    return true;
  }

  /**
   * d[Pf, Qf, Pt, Qt] of branch k's end flows (as injections at its end
   * buses) with respect to [Va_f, Vm_f, Va_t, Vm_t] at the base point, on the
   * unknowns idx (rows: the P/Q equations, columns: the Va/Vm unknowns).
   * With S_f = V_f conj(Yff V_f + Yft V_t):
   *   dS_f/dVa_f = j (S_f - |V_f|^2 conj(Yff)),  dS_f/dVm_f = (S_f + |V_f|^2 conj(Yff)) / |V_f|,
   *   dS_f/dVa_t = -j V_f conj(Yft V_t),          dS_f/dVm_t = V_f conj(Yft V_t) / |V_t|,
   * and S_t likewise with Ytt, Ytf.
   */
  private branchJacobian(k: number, idx: number[], m: number): Float64Array {
    const { net, jp, y, Vr, Vi, Vm0 } = this;
    const f = net.f[k], t = net.t[k];
    const D = new Float64Array(m * m);
    // One end: bus a (own admittance yaR + j yaI), other end b (mutual ymR + j ymI).
    const end = (a: number, b: number, yaR: number, yaI: number, ymR: number, ymI: number) => {
      const ar = Vr[a], ai = Vi[a], br = Vr[b], bi = Vi[b], va2 = ar * ar + ai * ai;
      // I_own = ya V_a, I_mut = ym V_b; S_a = V_a conj(I_own + I_mut).
      const oR = yaR * ar - yaI * ai, oI = yaR * ai + yaI * ar;
      const mR = ymR * br - ymI * bi, mI = ymR * bi + ymI * br;
      // V_a conj(x) = (ar + j ai)(xr - j xi)
      const mulc = (xr: number, xi: number): [number, number] => [ar * xr + ai * xi, ai * xr - ar * xi];
      const [soR, soI] = mulc(oR, oI), [smR, smI] = mulc(mR, mI);
      const sR = soR + smR, sI = soI + smI;
      const cR = va2 * yaR, cI = -va2 * yaI; // |V_a|^2 conj(ya)
      const vmA = Vm0[a], vmB = Vm0[b];
      return {
        dVaA: [-(sI - cI), sR - cR], // j (S - c)
        dVmA: [(sR + cR) / vmA, (sI + cI) / vmA],
        dVaB: [smI, -smR], // -j V_a conj(ym V_b)
        dVmB: [smR / vmB, smI / vmB],
      };
    };
    const put = (bus: number, other: number, d: ReturnType<typeof end>) => {
      const rows = [jp.vaIdx[bus], jp.vmIdx[bus]];
      const cols: [number, number[]][] = [[jp.vaIdx[bus], d.dVaA], [jp.vmIdx[bus], d.dVmA], [jp.vaIdx[other], d.dVaB], [jp.vmIdx[other], d.dVmB]];
      for (let q = 0; q < 2; q++) {
        const a = idx.indexOf(rows[q]);
        if (rows[q] < 0 || a < 0) continue;
        for (const [c, v] of cols) {
          const b = c >= 0 ? idx.indexOf(c) : -1;
          if (b >= 0) D[a * m + b] += v[q];
        }
      }
    };
    put(f, t, end(f, t, y.ffR[k], y.ffI[k], y.ftR[k], y.ftI[k]));
    if (t !== f) put(t, f, end(t, f, y.ttR[k], y.ttI[k], y.tfR[k], y.tfI[k]));
    return D;
  }

  /** Loading of rated branch e at the last estimate's voltages. */
  loading(e: number): number {
    const { net, y } = this;
    const f = net.f[e], t = net.t[e];
    const fr = this.Vr1[f], fi = this.Vi1[f], tr = this.Vr1[t], ti = this.Vi1[t];
    const ifR = y.ffR[e] * fr - y.ffI[e] * fi + y.ftR[e] * tr - y.ftI[e] * ti;
    const ifI = y.ffR[e] * fi + y.ffI[e] * fr + y.ftR[e] * ti + y.ftI[e] * tr;
    const itR = y.tfR[e] * fr - y.tfI[e] * fi + y.ttR[e] * tr - y.ttI[e] * ti;
    const itI = y.tfR[e] * fi + y.tfI[e] * fr + y.ttR[e] * ti + y.ttI[e] * tr;
    return branchLoading(fr * ifR + fi * ifI, fi * ifR - fr * ifI, tr * itR + ti * itI, ti * itR - tr * itI, net.baseMVA, net.rateA[e]);
  }
}

/**
 * Columns of the base Jacobian's inverse, J0^-1 e_j, solved on first use and
 * kept for the most recent `capacity` unknowns: an outage needs the columns of
 * its end buses' unknowns, and a bus ends several branches (consecutive in a
 * case's branch order more often than not: on case_ACTIVSg2000 in branch order
 * about 65% of them are found kept). A kept column is the same solve, so the
 * estimates do not depend on the order outages come in.
 */
export class InverseColumns {
  private readonly kept = new Map<number, Float64Array>();
  private readonly rhs: Float64Array;
  readonly capacity: number;
  hits = 0;
  solves = 0;

  constructor(private readonly lu: SparseLU, private readonly n: number, capacity = Math.min(256, Math.floor(INVERSE_COLUMNS_BYTES / (8 * n)))) {
    this.rhs = new Float64Array(n);
    this.capacity = Math.max(4, capacity);
  }

  /** J0^-1 e_j; valid until `capacity` other columns have been asked for (an outage asks for at most 4). */
  get(j: number): Float64Array {
    const kept = this.kept;
    const z = kept.get(j);
    if (z) {
      // Most recently used last (a Map iterates in insertion order).
      kept.delete(j);
      kept.set(j, z);
      this.hits++;
      return z;
    }
    let out: Float64Array;
    if (kept.size >= this.capacity) {
      const [oldest, col] = kept.entries().next().value as [number, Float64Array];
      kept.delete(oldest);
      out = col;
    } else {
      out = new Float64Array(this.n);
    }
    this.rhs.fill(0);
    this.rhs[j] = 1;
    this.lu.solve(this.rhs, out);
    this.solves++;
    kept.set(j, out);
    return out;
  }
}

/** Largest turn (rad) of a bus voltage in one step that apply() takes from the series: their first omitted terms are below 1e-19 there. */
const SMALL_TURN = 0.05;

/** Memory the kept inverse columns may take (at most 256 columns). */
const INVERSE_COLUMNS_BYTES = 32 * 1024 * 1024;

/** dx += sum_b Z[b] g[b], in one pass (the same sums, in the same order, as one column at a time). */
function addColumns(dx: Float64Array, Z: Float64Array[], g: Float64Array): void {
  const n = dx.length;
  switch (Z.length) {
    case 1: { const [z0] = Z, g0 = g[0]; for (let r = 0; r < n; r++) dx[r] = dx[r] + z0[r] * g0; return; }
    case 2: { const [z0, z1] = Z, g0 = g[0], g1 = g[1]; for (let r = 0; r < n; r++) dx[r] = dx[r] + z0[r] * g0 + z1[r] * g1; return; }
    case 3: { const [z0, z1, z2] = Z, g0 = g[0], g1 = g[1], g2 = g[2]; for (let r = 0; r < n; r++) dx[r] = dx[r] + z0[r] * g0 + z1[r] * g1 + z2[r] * g2; return; }
    case 4: { const [z0, z1, z2, z3] = Z, g0 = g[0], g1 = g[1], g2 = g[2], g3 = g[3]; for (let r = 0; r < n; r++) dx[r] = dx[r] + z0[r] * g0 + z1[r] * g1 + z2[r] * g2 + z3[r] * g3; return; }
    default: for (let b = 0; b < Z.length; b++) { const z = Z[b], gb = g[b]; for (let r = 0; r < n; r++) dx[r] += z[r] * gb; }
  }
}

/** Gaussian elimination with partial pivoting of an m x m system (m <= 4); null when singular. */
function solveSmall(A: Float64Array, b: Float64Array, m: number): Float64Array | null {
  const a = Float64Array.from(A), x = Float64Array.from(b);
  for (let c = 0; c < m; c++) {
    let p = c;
    for (let r = c + 1; r < m; r++) if (Math.abs(a[r * m + c]) > Math.abs(a[p * m + c])) p = r;
    if (!(Math.abs(a[p * m + c]) > 1e-10)) return null;
    if (p !== c) {
      for (let j = 0; j < m; j++) { const tmp = a[c * m + j]; a[c * m + j] = a[p * m + j]; a[p * m + j] = tmp; }
      const tmp = x[c]; x[c] = x[p]; x[p] = tmp;
    }
    for (let r = c + 1; r < m; r++) {
      const l = a[r * m + c] / a[c * m + c];
      if (l === 0) continue;
      for (let j = c; j < m; j++) a[r * m + j] -= l * a[c * m + j];
      x[r] -= l * x[c];
    }
  }
  for (let c = m - 1; c >= 0; c--) {
    let s = x[c];
    for (let j = c + 1; j < m; j++) s -= a[c * m + j] * x[j];
    x[c] = s / a[c * m + c];
  }
  return x;
}
