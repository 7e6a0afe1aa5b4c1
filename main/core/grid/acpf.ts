// AC power flow by full Newton-Raphson in polar coordinates (MATPOWER
// newtonpf): mismatch F = [P(pv,pq); Q(pq)], stop when max|F| < tol, at most
// maxIt Jacobian solves. One AcSolver per network keeps the Jacobian pattern
// and the sparse LU's symbolic analysis, so every later solve (iterations,
// contingencies, scenarios) only refactorizes numerically.

import { SparseLU, SingularMatrixError, NonFiniteValueError } from '../linalg';
import type { Network } from './network';
import { makeYbus, type Ybus } from './ybus';
import { assembleJacobian, jacobianPattern, type JacobianPattern } from './jacobian';

export interface NewtonOptions {
  tol?: number;
  maxIt?: number;
}

export type NewtonStatus = 'converged' | 'max-iterations' | 'singular' | 'non-finite';

export interface NewtonResult {
  converged: boolean;
  status: NewtonStatus;
  /** Jacobian solves performed. */
  iterations: number;
  /** Final max-norm mismatch (p.u.), Infinity when non-finite. */
  mismatch: number;
  Vm: Float64Array;
  Va: Float64Array; // radians, wrapped to (-pi, pi]
}

export interface SolveInput {
  Vm: Float64Array;
  Va: Float64Array;
  /** Complex bus injections (p.u.): generation minus load. */
  Pbus: Float64Array;
  Qbus: Float64Array;
  /** Buses that belong to the solved island (null: all). Others are held fixed. */
  active?: Uint8Array | null;
}

export class AcSolver {
  readonly ybus: Ybus;
  readonly jp: JacobianPattern;
  private lu: SparseLU;
  private readonly nb: number;
  private readonly pvpq: Int32Array;
  private readonly pq: Int32Array;
  // workspaces
  private Vr: Float64Array; private Vi: Float64Array;
  private Ir: Float64Array; private Ii: Float64Array;
  private F: Float64Array; private dx: Float64Array;

  constructor(readonly net: Network, pv: Int32Array = net.pv, pq: Int32Array = net.pq, ybus?: Ybus) {
    this.ybus = ybus ?? makeYbus(net);
    this.nb = net.nb;
    this.pq = pq;
    this.pvpq = new Int32Array(pv.length + pq.length);
    this.pvpq.set(pv); this.pvpq.set(pq, pv.length);
    this.jp = jacobianPattern(this.ybus, pv, pq);
    this.lu = new SparseLU(this.jp.csc);
    const nb = this.nb;
    this.Vr = new Float64Array(nb); this.Vi = new Float64Array(nb);
    this.Ir = new Float64Array(nb); this.Ii = new Float64Array(nb);
    this.F = new Float64Array(this.jp.n); this.dx = new Float64Array(this.jp.n);
  }

  /** Solve from the given start point; the input arrays are not modified. */
  solve(input: SolveInput, opts: NewtonOptions = {}): NewtonResult {
    const tol = opts.tol ?? 1e-8, maxIt = opts.maxIt ?? 10;
    const nb = this.nb;
    const Vm = Float64Array.from(input.Vm), Va = Float64Array.from(input.Va);
    const active = input.active ?? null;
    const { Vr, Vi, F, dx } = this;
    for (let i = 0; i < nb; i++) { Vr[i] = Vm[i] * Math.cos(Va[i]); Vi[i] = Vm[i] * Math.sin(Va[i]); }

    let normF = this.mismatch(input, active);
    let it = 0;
    let status: NewtonStatus = 'max-iterations';
    if (!Number.isFinite(normF)) status = 'non-finite';
    else if (normF < tol) status = 'converged';
    while (status === 'max-iterations' && it < maxIt) {
      it++;
      assembleJacobian(this.jp, this.ybus, Vr, Vi, Vm, this.Ir, this.Ii, active);
      try {
        this.lu.factorize(this.jp.csc.values);
      } catch (e) {
        if (e instanceof SingularMatrixError) { status = 'singular'; break; }
        if (e instanceof NonFiniteValueError) { status = 'non-finite'; break; }
        throw e;
      }
      this.lu.solve(F, dx);
      // x <- x - J \ F, then renormalise through V as MATPOWER does.
      const { vaIdx, vmIdx } = this.jp;
      for (let k = 0; k < this.pvpq.length; k++) {
        const i = this.pvpq[k];
        Va[i] -= dx[vaIdx[i]];
      }
      for (let k = 0; k < this.pq.length; k++) {
        const i = this.pq[k];
        Vm[i] -= dx[vmIdx[i]];
      }
      // V = Vm e^{jVa}; a negative magnitude flips the angle by pi, as
      // MATPOWER's Vm = abs(V), Va = angle(V) does (angles wrap at the end).
      for (let i = 0; i < nb; i++) {
        if (Vm[i] < 0) { Vm[i] = -Vm[i]; Va[i] += Math.PI; }
        Vr[i] = Vm[i] * Math.cos(Va[i]); Vi[i] = Vm[i] * Math.sin(Va[i]);
      }
      normF = this.mismatch(input, active);
      if (!Number.isFinite(normF)) { status = 'non-finite'; break; }
      if (normF < tol) { status = 'converged'; break; }
    }
    for (let i = 0; i < nb; i++) Va[i] = wrapAngle(Va[i]);
    return { converged: status === 'converged', status, iterations: it, mismatch: Number.isFinite(normF) ? normF : Infinity, Vm, Va };
  }

  /** I = Ybus V into (Ir, Ii); F = mismatch rows; returns max |F| over active rows. */
  private mismatch(input: SolveInput, active: Uint8Array | null): number {
    const { rowPtr, colIdx, G, B } = this.ybus;
    const { Vr, Vi, Ir, Ii, F } = this;
    const { vaIdx, vmIdx } = this.jp;
    let norm = 0;
    for (let i = 0; i < this.nb; i++) {
      let ir = 0, ii = 0;
      for (let s = rowPtr[i]; s < rowPtr[i + 1]; s++) {
        const j = colIdx[s];
        ir += G[s] * Vr[j] - B[s] * Vi[j];
        ii += G[s] * Vi[j] + B[s] * Vr[j];
      }
      Ir[i] = ir; Ii[i] = ii;
      const pr = vaIdx[i];
      if (pr < 0) continue;
      const qr = vmIdx[i];
      if (active !== null && active[i] === 0) {
        F[pr] = 0; if (qr >= 0) F[qr] = 0;
        continue;
      }
      // S = V conj(I)
      const p = Vr[i] * ir + Vi[i] * ii - input.Pbus[i];
      const fp = Math.abs(p);
      F[pr] = p;
      if (!(fp <= norm)) norm = fp; // also propagates NaN
      if (qr >= 0) {
        const q = Vi[i] * ir - Vr[i] * ii - input.Qbus[i];
        F[qr] = q;
        const fq = Math.abs(q);
        if (!(fq <= norm)) norm = fq;
      }
    }
    return norm;
  }
}

/** Complex bus injections Sbus = Cg Sg - Sd in p.u. (MATPOWER makeSbus, constant power loads). */
export function makeSbus(net: Network, Pg: Float64Array = net.Pg, Qg: Float64Array = net.Qg): { Pbus: Float64Array; Qbus: Float64Array } {
  const Pbus = new Float64Array(net.nb), Qbus = new Float64Array(net.nb);
  for (let i = 0; i < net.nb; i++) { Pbus[i] = -net.Pd[i]; Qbus[i] = -net.Qd[i]; }
  for (let k = 0; k < net.ng; k++) { Pbus[net.genBus[k]] += Pg[k]; Qbus[net.genBus[k]] += Qg[k]; }
  return { Pbus, Qbus };
}

/** MATPOWER's start point: the case's VM/VA, with VG at PV and reference buses. */
export function startPoint(net: Network): { Vm: Float64Array; Va: Float64Array } {
  const Vm = Float64Array.from(net.Vm0), Va = Float64Array.from(net.Va0);
  const isPQ = new Uint8Array(net.nb);
  for (const i of net.pq) isPQ[i] = 1;
  for (let k = 0; k < net.ng; k++) {
    const i = net.genBus[k];
    if (!isPQ[i]) Vm[i] = net.Vg[k];
  }
  return { Vm, Va };
}

/** Angle in (-pi, pi], as atan2 reports it. */
export function wrapAngle(a: number): number {
  if (a > -Math.PI && a <= Math.PI) return a;
  const w = a - 2 * Math.PI * Math.floor((a + Math.PI) / (2 * Math.PI));
  return w === -Math.PI ? Math.PI : w;
}
