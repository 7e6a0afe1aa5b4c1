// The N-1 contingency engine (../shared/spec/n1.md). One engine per case and
// thread: it solves the base case once, then each outage warm-started from
// it, reusing the Jacobian pattern and the LU's symbolic analysis (a branch
// outage only changes four Ybus values; buses cut off from the main island
// are held by identity rows).

import type { Case } from './case';
import type { ContingencyRecord, Verdict } from './contingency-types';
import { compile, type Network } from './network';
import { AcSolver, makeSbus, startPoint, type NewtonResult } from './acpf';
import { branchFlows, type Ybus } from './ybus';
import { injection } from './pfsoln';
import { adjacency, bridges, reachable, type Adjacency } from './islands';
import { severity } from './severity';
import { PQ } from './idx';

export const TOL = 1e-9;
export const LOADING_MARGIN = 0.01;
export const VOLTAGE_MARGIN = 0.001;

export class BaseCaseError extends Error {
  constructor(message: string, readonly mismatch: number, readonly iterations: number) {
    super(message);
    this.name = 'BaseCaseError';
  }
}

export class ContingencyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContingencyError';
  }
}

export interface EngineOptions {
  tol?: number;
  maxIt?: number;
  /** Generator outages: who picks up the lost output. */
  slack?: 'ref' | 'distributed';
}

/** Limits of the solved base case, the yardstick for "gets worse". */
export interface BaseState {
  Vm: Float64Array;
  Va: Float64Array;
  iterations: number;
  mismatch: number;
  /** Per internal branch: loading in the base case (0 for unrated). */
  loading: Float64Array;
  /** Per bus: how far beyond Vmax / below Vmin the base case is (<= 0 when within). */
  overV: Float64Array;
  underV: Float64Array;
  /** Solved generator outputs (MW), per internal gen: the reference gen's is the slack. */
  PgMW: Float64Array;
  maxLoading: number;
  nOverloads: number;
  nVoltageViolations: number;
}

export class N1Engine {
  readonly net: Network;
  readonly base: BaseState;
  private readonly solver: AcSolver;
  private readonly y: Ybus;
  private readonly G0: Float64Array;
  private readonly B0: Float64Array;
  private readonly adj: Adjacency;
  private readonly isBridge: Uint8Array;
  private readonly rated: Uint8Array;
  private readonly Pbus: Float64Array;
  private readonly Qbus: Float64Array;
  private readonly totalLoadMW: number;
  private readonly totalGenMW: number;
  private readonly genAt: Int32Array[]; // gens per bus
  private readonly baseActive: Uint8Array | null;
  private readonly opts: Required<EngineOptions>;
  // flow workspaces
  private readonly flows: { pf: Float64Array; qf: Float64Array; pt: Float64Array; qt: Float64Array };
  private readonly Vr: Float64Array; private readonly Vi: Float64Array;

  /** Compiles the case and solves its base state (throws BaseCaseError when it does not converge). */
  static forCase(c: Case, opts: EngineOptions = {}): N1Engine {
    return new N1Engine(c, opts);
  }

  constructor(readonly c: Case, opts: EngineOptions = {}) {
    this.opts = { tol: opts.tol ?? 1e-8, maxIt: opts.maxIt ?? 10, slack: opts.slack ?? 'ref' };
    const net = (this.net = compile(c));
    this.solver = new AcSolver(net);
    this.y = this.solver.ybus;
    this.G0 = Float64Array.from(this.y.G);
    this.B0 = Float64Array.from(this.y.B);
    this.adj = adjacency(net);
    this.isBridge = bridges(net, this.adj);
    this.rated = new Uint8Array(net.nl);
    for (let k = 0; k < net.nl; k++) this.rated[k] = net.rateA[k] > 0 && net.rateA[k] < 1e10 ? 1 : 0;
    const { Pbus, Qbus } = makeSbus(net);
    this.Pbus = Pbus; this.Qbus = Qbus;
    this.genAt = Array.from({ length: net.nb }, () => new Int32Array(0));
    const lists: number[][] = Array.from({ length: net.nb }, () => []);
    for (let k = 0; k < net.ng; k++) lists[net.genBus[k]].push(k);
    for (let i = 0; i < net.nb; i++) this.genAt[i] = Int32Array.from(lists[i]);
    const nl = net.nl;
    this.flows = { pf: new Float64Array(nl), qf: new Float64Array(nl), pt: new Float64Array(nl), qt: new Float64Array(nl) };
    this.Vr = new Float64Array(net.nb); this.Vi = new Float64Array(net.nb);

    // Buses not connected to the reference bus in the base case take no part.
    const reach = reachable(this.adj, net.nb, net.ref, -1);
    this.baseActive = reach.every((v) => v === 1) ? null : reach;

    const sp = startPoint(net);
    const r = this.solver.solve({ Vm: sp.Vm, Va: sp.Va, Pbus, Qbus, active: this.baseActive }, this.opts);
    if (!r.converged) {
      throw new BaseCaseError(
        `the base case does not converge (${r.status} after ${r.iterations} iterations, mismatch ${Number.isFinite(r.mismatch) ? r.mismatch.toExponential(2) : 'non-finite'} p.u.): N-1 needs a solved base case`,
        r.mismatch, r.iterations);
    }
    const loading = new Float64Array(nl);
    this.computeFlows(r.Vm, r.Va);
    let maxLoading = 0, nOverloads = 0;
    for (let k = 0; k < nl; k++) {
      loading[k] = this.loadingOf(k);
      if (loading[k] > maxLoading) maxLoading = loading[k];
      if (loading[k] > 1 + TOL) nOverloads++;
    }
    const overV = new Float64Array(net.nb), underV = new Float64Array(net.nb);
    let nVV = 0;
    for (let i = 0; i < net.nb; i++) {
      overV[i] = r.Vm[i] - net.Vmax[i];
      underV[i] = net.Vmin[i] - r.Vm[i];
      if ((!this.baseActive || this.baseActive[i]) && (overV[i] > TOL || underV[i] > TOL)) nVV++;
    }
    // Solved outputs: the reference generator(s) carry the slack.
    const PgMW = new Float64Array(net.ng);
    for (let k = 0; k < net.ng; k++) PgMW[k] = net.Pg[k] * net.baseMVA;
    const refGens = this.genAt[net.ref];
    if (refGens.length > 0) {
      const [pInj] = injection(this.y, this.Vr, this.Vi, net.ref); // Vr, Vi of the base solution (computeFlows above)
      let others = 0;
      for (let q = 1; q < refGens.length; q++) others += net.Pg[refGens[q]];
      PgMW[refGens[0]] = (pInj + net.Pd[net.ref] - others) * net.baseMVA;
    }
    let tl = 0, tg = 0;
    for (let i = 0; i < net.nb; i++) tl += net.Pd[i] * net.baseMVA;
    for (let k = 0; k < net.ng; k++) tg += PgMW[k];
    this.totalLoadMW = tl; this.totalGenMW = tg;
    this.base = { Vm: r.Vm, Va: r.Va, iterations: r.iterations, mismatch: r.mismatch, loading, overV, underV, PgMW, maxLoading, nOverloads, nVoltageViolations: nVV };
  }

  /** Case branch rows (1-based) of every in-service branch: the default set. */
  defaultBranches(): number[] {
    return Array.from(this.net.branchRow, (r) => r + 1);
  }

  /** Case gen rows (1-based) of every in-service generator. */
  defaultGens(): number[] {
    return Array.from(this.net.genRow, (r) => r + 1);
  }

  /** Outage of case branch row `row` (1-based). */
  branchOutage(row: number): ContingencyRecord {
    const net = this.net;
    const k = row >= 1 && row <= net.branchOfRow.length ? net.branchOfRow[row - 1] : -1;
    if (k < 0) {
      throw new ContingencyError(row >= 1 && row <= net.branchOfRow.length
        ? `branch ${row} is out of service in the case: it cannot be taken out`
        : `branch ${row} does not exist: the case has ${net.branchOfRow.length} branches`);
    }
    const from = net.busNumber[net.f[k]], to = net.busNumber[net.t[k]];
    // Islands: only a bridge can cut buses off.
    let active: Uint8Array | null = this.baseActive;
    if (this.isBridge[k]) {
      active = reachable(this.adj, net.nb, net.ref, k);
      if (this.baseActive) for (let i = 0; i < net.nb; i++) active[i] &= this.baseActive[i];
    }
    const y = this.y;
    // Take the branch out of Ybus (values only; the pattern stays).
    y.G[y.slotFF[k]] -= y.ffR[k]; y.B[y.slotFF[k]] -= y.ffI[k];
    y.G[y.slotFT[k]] -= y.ftR[k]; y.B[y.slotFT[k]] -= y.ftI[k];
    y.G[y.slotTF[k]] -= y.tfR[k]; y.B[y.slotTF[k]] -= y.tfI[k];
    y.G[y.slotTT[k]] -= y.ttR[k]; y.B[y.slotTT[k]] -= y.ttI[k];
    try {
      return this.judge({ branch: row, from, to }, active, k, this.Pbus, this.Qbus);
    } finally {
      const { G0, B0 } = this;
      let s = y.slotFF[k]; y.G[s] = G0[s]; y.B[s] = B0[s];
      s = y.slotFT[k]; y.G[s] = G0[s]; y.B[s] = B0[s];
      s = y.slotTF[k]; y.G[s] = G0[s]; y.B[s] = B0[s];
      s = y.slotTT[k]; y.G[s] = G0[s]; y.B[s] = B0[s];
    }
  }

  /** Outage of case generator row `row` (1-based): its output is lost and picked up by the slack. */
  genOutage(row: number): ContingencyRecord {
    const net = this.net;
    const g = row >= 1 && row <= net.genOfRow.length ? net.genOfRow[row - 1] : -1;
    if (g < 0) {
      throw new ContingencyError(row >= 1 && row <= net.genOfRow.length
        ? `generator ${row} is out of service in the case: it cannot be taken out`
        : `generator ${row} does not exist: the case has ${net.genOfRow.length} generators`);
    }
    const bus = net.genBus[g];
    const busNo = net.busNumber[bus];
    const Pbus = Float64Array.from(this.Pbus), Qbus = Float64Array.from(this.Qbus);
    Pbus[bus] -= net.Pg[g]; Qbus[bus] -= net.Qg[g];
    if (this.opts.slack === 'distributed') {
      // Share the lost output among the other in-service generators by Pmax.
      let cap = 0;
      for (let k = 0; k < net.ng; k++) if (k !== g) cap += Math.max(net.Pmax[k], 0);
      if (cap > 0) for (let k = 0; k < net.ng; k++) if (k !== g) Pbus[net.genBus[k]] += (net.Pg[g] * Math.max(net.Pmax[k], 0)) / cap;
    }
    const others = Array.from(this.genAt[bus]).filter((k) => k !== g);
    const id = { gen: row, from: busNo, to: busNo };
    if (others.length > 0) return this.judge(id, this.baseActive, -1, Pbus, Qbus, this.solver, g);
    // The bus loses its only generator: PV -> PQ (or a new reference bus).
    const isPv = net.busType[bus] !== PQ;
    if (!isPv) return this.judge(id, this.baseActive, -1, Pbus, Qbus, this.solver, g);
    let pv = Array.from(net.pv).filter((i) => i !== bus);
    const pq = Array.from(net.pq);
    let ref = net.ref;
    if (bus === ref) {
      if (pv.length === 0) return this.lostReference(id);
      ref = pv[0]; pv = pv.slice(1);
    }
    pq.push(bus); pq.sort((a, b) => a - b);
    const solver = new AcSolver(net, Int32Array.from(pv), Int32Array.from(pq), this.y);
    return this.judge(id, this.baseActive, -1, Pbus, Qbus, solver, g);
  }

  /** The solved post-outage state of the last judged contingency (null when nothing was solved). */
  private last: { Vm: Float64Array; Va: Float64Array; active: Uint8Array | null; outBranch: number } | null = null;

  /**
   * A branch outage with its post-outage state per case row, for display:
   * bus voltages (NaN for buses outside the main island or out of service)
   * and branch loadings (NaN for unrated, outaged or cut-off branches).
   */
  branchOutageDetail(row: number): { record: ContingencyRecord; vm: Float64Array; va: Float64Array; loading: Float64Array } {
    this.last = null;
    const record = this.branchOutage(row);
    const net = this.net;
    const vm = new Float64Array(this.c.bus.length).fill(NaN), va = new Float64Array(this.c.bus.length).fill(NaN);
    const loading = new Float64Array(this.c.branch.length).fill(NaN);
    const st = this.last as { Vm: Float64Array; Va: Float64Array; active: Uint8Array | null; outBranch: number } | null;
    if (st) {
      // judge() left this outage's flows in the workspace; recompute to be safe.
      this.computeFlows(st.Vm, st.Va);
      for (let i = 0; i < net.nb; i++) if (!st.active || st.active[i]) { vm[net.busRow[i]] = st.Vm[i]; va[net.busRow[i]] = (st.Va[i] * 180) / Math.PI; }
      for (let k = 0; k < net.nl; k++) {
        if (k === st.outBranch || !this.rated[k] || (st.active && !st.active[net.f[k]])) continue;
        loading[net.branchRow[k]] = this.loadingOf(k);
      }
    }
    return { record, vm, va, loading };
  }

  private lostReference(id: { branch?: number; gen?: number; from: number; to: number }): ContingencyRecord {
    return this.record(id, 'islanded', {
      converged: false, iterations: 0, islanded: true, cutBuses: this.net.nb, lostLoadMW: this.totalLoadMW, lostGenMW: this.totalGenMW,
      maxLoading: 0, nOverloads: 0, worstBranch: null, minVm: 0, maxVm: 0, nVoltageViolations: 0, mismatch: 0,
    }, 1, 0, 0);
  }

  /** Solve the post-contingency state and apply the spec's rules. */
  private judge(
    id: { branch?: number; gen?: number; from: number; to: number }, active: Uint8Array | null, outBranch: number,
    Pbus: Float64Array, Qbus: Float64Array, solver: AcSolver = this.solver, outGen = -1,
  ): ContingencyRecord {
    const net = this.net;
    let cutBuses = 0, lostLoadMW = 0, lostGenMW = 0, carries = false;
    if (active) {
      for (let i = 0; i < net.nb; i++) {
        if (active[i] || (this.baseActive && !this.baseActive[i])) continue;
        cutBuses++;
        lostLoadMW += net.Pd[i] * net.baseMVA;
        if (net.Pd[i] !== 0 || net.Qd[i] !== 0) carries = true;
        for (const g of this.genAt[i]) { if (g === outGen) continue; carries = true; lostGenMW += this.base.PgMW[g]; }
      }
      if (!active[net.ref]) return this.lostReference(id);
      // The reference bus alone: no main island.
      if (cutBuses === net.nb - 1 && net.nb > 1) return this.lostReference(id);
    }
    const islanded = carries;
    const r: NewtonResult = solver.solve({ Vm: this.base.Vm, Va: this.base.Va, Pbus, Qbus, active }, this.opts);
    this.last = r.converged ? { Vm: r.Vm, Va: r.Va, active, outBranch } : null;
    const common = { converged: r.converged, iterations: r.iterations, islanded, cutBuses, lostLoadMW, lostGenMW, mismatch: r.mismatch };
    const lostFraction = (lostLoadMW + Math.abs(lostGenMW)) / Math.max(1e-9, this.totalLoadMW + Math.abs(this.totalGenMW));
    if (!r.converged) {
      const verdict: Verdict = islanded ? 'islanded' : 'diverged';
      return this.record(id, verdict, { ...common, maxLoading: 0, nOverloads: 0, worstBranch: null, minVm: 0, maxVm: 0, nVoltageViolations: 0 }, lostFraction, 0, 0);
    }
    this.computeFlows(r.Vm, r.Va);
    let maxLoading = 0, nOverloads = 0, worst = -1, worstL = -Infinity, overloadExcess = 0;
    for (let k = 0; k < net.nl; k++) {
      if (k === outBranch || !this.rated[k]) continue;
      if (active && !active[net.f[k]]) continue; // both ends share an island
      const L = this.loadingOf(k);
      if (L > maxLoading) maxLoading = L;
      if (!(L > 1 + TOL)) continue;
      const L0 = this.base.loading[k];
      if (L0 > 1 + TOL && !(L > L0 + LOADING_MARGIN + TOL)) continue;
      nOverloads++;
      overloadExcess += L - 1;
      if (L > worstL) { worstL = L; worst = k; }
    }
    let minVm = Infinity, maxVm = -Infinity, nVV = 0, voltageExcess = 0;
    for (let i = 0; i < net.nb; i++) {
      if (active && !active[i]) continue;
      const v = r.Vm[i];
      if (v < minVm) minVm = v;
      if (v > maxVm) maxVm = v;
      const over = v - net.Vmax[i], under = net.Vmin[i] - v;
      const o0 = this.base.overV[i], u0 = this.base.underV[i];
      const countOver = over > TOL && (!(o0 > TOL) || over > o0 + VOLTAGE_MARGIN + TOL);
      const countUnder = under > TOL && (!(u0 > TOL) || under > u0 + VOLTAGE_MARGIN + TOL);
      if (countOver || countUnder) { nVV++; voltageExcess += countOver ? over : under; }
    }
    let verdict: Verdict;
    if (islanded) verdict = 'islanded';
    else if (nOverloads > 0 && nVV > 0) verdict = 'overload+voltage';
    else if (nOverloads > 0) verdict = 'overload';
    else if (nVV > 0) verdict = 'voltage';
    else verdict = 'secure';
    return this.record(id, verdict, {
      ...common, maxLoading, nOverloads, worstBranch: worst >= 0 ? net.branchRow[worst] + 1 : null,
      minVm: Number.isFinite(minVm) ? minVm : 0, maxVm: Number.isFinite(maxVm) ? maxVm : 0, nVoltageViolations: nVV,
    }, lostFraction, overloadExcess, voltageExcess);
  }

  private record(
    id: { branch?: number; gen?: number; from: number; to: number }, verdict: Verdict,
    v: Omit<ContingencyRecord, 'branch' | 'gen' | 'from' | 'to' | 'verdict' | 'severity'>,
    lostFraction: number, overloadExcess: number, voltageExcess: number,
  ): ContingencyRecord {
    return { ...id, verdict, ...v, severity: severity({ verdict, maxLoading: v.maxLoading, overloadExcess, voltageExcess, lostFraction }) };
  }

  private computeFlows(Vm: Float64Array, Va: Float64Array): void {
    const { Vr, Vi } = this;
    for (let i = 0; i < this.net.nb; i++) { Vr[i] = Vm[i] * Math.cos(Va[i]); Vi[i] = Vm[i] * Math.sin(Va[i]); }
    branchFlows(this.net, this.y, Vr, Vi, this.flows);
  }

  /** max(|Sf|, |St|) / RATE_A of branch k from the last computeFlows, 0 if unrated. */
  private loadingOf(k: number): number {
    if (!this.rated[k]) return 0;
    const { pf, qf, pt, qt } = this.flows;
    const sf2 = pf[k] * pf[k] + qf[k] * qf[k], st2 = pt[k] * pt[k] + qt[k] * qt[k];
    return (Math.sqrt(sf2 > st2 ? sf2 : st2) * this.net.baseMVA) / this.net.rateA[k];
  }
}
