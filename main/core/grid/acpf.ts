// AC power flow by full Newton-Raphson in polar coordinates (MATPOWER
// newtonpf): mismatch F = [P(pv,pq); Q(pq)], stop when max|F| < tol, at most
// maxIt Jacobian solves. One AcSolver per network keeps the Jacobian pattern
// and the sparse LU's symbolic analysis, so every later solve (iterations,
// contingencies, scenarios) only refactorizes numerically.

import { SparseLU, SingularMatrixError, NonFiniteValueError } from '../linalg';
import type { Network } from './network';
import { makeYbus, type Ybus } from './ybus';
import { evaluate, jacobianPattern, type JacobianPattern } from './jacobian';
import { NEWTON_MAX_IT, NEWTON_TOL } from './limits';

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
  private invVm: Float64Array;
  private F: Float64Array; private dx: Float64Array;

  constructor(readonly net: Network, pv: Int32Array = net.pv, pq: Int32Array = net.pq, ybus?: Ybus) {
    this.ybus = ybus ?? makeYbus(net);
    this.nb = net.nb;
    this.pq = pq;
    this.pvpq = new Int32Array(pv.length + pq.length);
    this.pvpq.set(pv); this.pvpq.set(pq, pv.length);
    this.jp = jacobianPattern(this.ybus, pv, pq);
    // KLU's default threshold: Jacobians keep their diagonal pivots (fast, stable enough here).
    this.lu = new SparseLU(this.jp.csc, { pivotTol: 0.001 });
    const nb = this.nb;
    this.Vr = new Float64Array(nb); this.Vi = new Float64Array(nb);
    this.invVm = new Float64Array(nb);
    this.F = new Float64Array(this.jp.n); this.dx = new Float64Array(this.jp.n);
  }

  /** Solve from the given start point; the input arrays are not modified. */
  solve(input: SolveInput, opts: NewtonOptions = {}): NewtonResult {
    const tol = opts.tol ?? NEWTON_TOL, maxIt = opts.maxIt ?? NEWTON_MAX_IT;
    const nb = this.nb;
    const Vm = Float64Array.from(input.Vm), Va = Float64Array.from(input.Va);
    const active = input.active ?? null;
    const { Vr, Vi, invVm, F, dx, jp, ybus } = this;
    const { vaIdx, vmIdx } = jp;
    for (let i = 0; i < nb; i++) { Vr[i] = Vm[i] * Math.cos(Va[i]); Vi[i] = Vm[i] * Math.sin(Va[i]); invVm[i] = 1 / Vm[i]; }

    let normF = evaluate(jp, ybus, Vr, Vi, invVm, input.Pbus, input.Qbus, active, F);
    let it = 0;
    let status: NewtonStatus = 'max-iterations';
    if (!Number.isFinite(normF)) status = 'non-finite';
    else if (normF < tol) status = 'converged';
    while (status === 'max-iterations' && it < maxIt) {
      it++;
      try {
        this.lu.factorize(jp.csc.values);
      } catch (e) {
        if (e instanceof SingularMatrixError) { status = 'singular'; break; }
        if (e instanceof NonFiniteValueError) { status = 'non-finite'; break; }
        throw e;
      }
      this.lu.solve(F, dx);
      // x <- x - J \ F. A negative magnitude flips the angle by pi, as
      // MATPOWER's Vm = abs(V), Va = angle(V) does (angles wrap at the end).
      const pvpq = this.pvpq, pq = this.pq;
      for (let k = 0; k < pvpq.length; k++) { const i = pvpq[k]; Va[i] -= dx[vaIdx[i]]; }
      for (let k = 0; k < pq.length; k++) { const i = pq[k]; Vm[i] -= dx[vmIdx[i]]; }
      for (let k = 0; k < pvpq.length; k++) {
        const i = pvpq[k];
        if (Vm[i] < 0) { Vm[i] = -Vm[i]; Va[i] += Math.PI; }
        const m = Vm[i], a = Va[i];
        Vr[i] = m * Math.cos(a); Vi[i] = m * Math.sin(a); invVm[i] = 1 / m;
      }
      normF = evaluate(jp, ybus, Vr, Vi, invVm, input.Pbus, input.Qbus, active, F);
      if (!Number.isFinite(normF)) { status = 'non-finite'; break; }
      if (normF < tol) { status = 'converged'; break; }
    }
    for (let i = 0; i < nb; i++) Va[i] = wrapAngle(Va[i]);
    return { converged: status === 'converged', status, iterations: it, mismatch: Number.isFinite(normF) ? normF : Infinity, Vm, Va };
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
