// The N-1 contingency engine (../shared/spec/n1.md), in MATPOWER's manner:
// one function per thing it builds.
//
//   solveBaseState   the solved base case and its limits, the yardstick for "gets worse"
//   PostOutageSolver the post-outage state of one outage (post-outage.ts)
//   judgeOutage      the verdict and counts: a pure function of (network, base, state)
//   contingencyRecord the spec's per-contingency record, from one named judgement
//
// N1Engine only composes them for one case and thread: it solves the base
// case once (N1Engine.forCase), then each outage warm-started from it,
// reusing the Jacobian pattern and the LU's symbolic analysis.

import type { Case } from './case';
import type { ContingencyRecord, Verdict } from './contingency-types';
import { compile, type Network } from './network';
import { AcSolver, makeSbus, startPoint, type NewtonOptions } from './acpf';
import { branchFlows } from './ybus';
import { injection } from './pfsoln';
import { gensAt, gridTopology, type GridTopology } from './islands';
import { branchLoading, excessThreshold, isOverloaded, isRated, isViolation, overloadThreshold } from './limits';
import { PostOutageSolver, solved, type OutageOptions, type OutageState, type SolvedBase } from './post-outage';
import { lostFraction, severity } from './severity';

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

export type EngineOptions = OutageOptions;

/** The solved base case and its limits, the yardstick for "gets worse". */
export interface BaseState extends SolvedBase {
  iterations: number;
  mismatch: number;
  /** Per internal branch: loading in the base case (0 for unrated). */
  loading: Float64Array;
  /** Per bus: how far beyond Vmax / below Vmin the base case is (<= 0 when within). */
  overV: Float64Array;
  underV: Float64Array;
  /** The spec's "gets worse", per branch and bus, as thresholds (limits.ts): a post-outage loading or excess counts above them. */
  overloadAbove: Float64Array;
  overVAbove: Float64Array;
  underVAbove: Float64Array;
  maxLoading: number;
  nOverloads: number;
  nVoltageViolations: number;
  /** Load and solved generation of the base island (MW): an island's losses are shares of them. */
  totalLoadMW: number;
  totalGenMW: number;
}

/** Solves the base case from the case's start point; throws BaseCaseError when it does not converge. */
export function solveBaseState(net: Network, solver: AcSolver, topo: GridTopology, genAt: readonly Int32Array[], opts: NewtonOptions): BaseState {
  const { Vm, Va } = startPoint(net);
  const { Pbus, Qbus } = makeSbus(net);
  const r = solver.solve({ Vm, Va, Pbus, Qbus, active: topo.baseActive }, opts);
  if (!r.converged) {
    throw new BaseCaseError(
      `the base case does not converge (${r.status} after ${r.iterations} iterations, mismatch ${Number.isFinite(r.mismatch) ? r.mismatch.toExponential(2) : 'non-finite'} p.u.): N-1 needs a solved base case`,
      r.mismatch, r.iterations);
  }
  const nb = net.nb, nl = net.nl;
  const Vr = new Float64Array(nb), Vi = new Float64Array(nb);
  for (let i = 0; i < nb; i++) { Vr[i] = r.Vm[i] * Math.cos(r.Va[i]); Vi[i] = r.Vm[i] * Math.sin(r.Va[i]); }
  const fl = { pf: new Float64Array(nl), qf: new Float64Array(nl), pt: new Float64Array(nl), qt: new Float64Array(nl) };
  branchFlows(net, solver.ybus, Vr, Vi, fl);
  const loading = new Float64Array(nl);
  let maxLoading = 0, nOverloads = 0;
  for (let k = 0; k < nl; k++) {
    if (isRated(net.rateA[k])) loading[k] = branchLoading(fl.pf[k], fl.qf[k], fl.pt[k], fl.qt[k], net.baseMVA, net.rateA[k]);
    if (loading[k] > maxLoading) maxLoading = loading[k];
    if (isOverloaded(loading[k])) nOverloads++;
  }
  const overV = new Float64Array(nb), underV = new Float64Array(nb);
  let nVoltageViolations = 0;
  for (let i = 0; i < nb; i++) {
    overV[i] = r.Vm[i] - net.Vmax[i];
    underV[i] = net.Vmin[i] - r.Vm[i];
    if ((!topo.baseActive || topo.baseActive[i]) && (isViolation(overV[i]) || isViolation(underV[i]))) nVoltageViolations++;
  }
  const overloadAbove = loading.map(overloadThreshold), overVAbove = overV.map(excessThreshold), underVAbove = underV.map(excessThreshold);
  const PgMW = solvedGeneration(net, solver, genAt, Vr, Vi);
  let totalLoadMW = 0, totalGenMW = 0;
  for (let i = 0; i < nb; i++) totalLoadMW += net.Pd[i] * net.baseMVA;
  for (let k = 0; k < net.ng; k++) totalGenMW += PgMW[k];
  return {
    Vm: r.Vm, Va: r.Va, PgMW, iterations: r.iterations, mismatch: r.mismatch, loading, overV, underV, overloadAbove, overVAbove, underVAbove,
    maxLoading, nOverloads, nVoltageViolations, totalLoadMW, totalGenMW,
  };
}

/** Generator outputs (MW) of a solved state: dispatch, with the slack on the reference bus's first generator. */
function solvedGeneration(net: Network, solver: AcSolver, genAt: readonly Int32Array[], Vr: Float64Array, Vi: Float64Array): Float64Array {
  const PgMW = new Float64Array(net.ng);
  for (let k = 0; k < net.ng; k++) PgMW[k] = net.Pg[k] * net.baseMVA;
  const refGens = genAt[net.ref];
  if (refGens.length > 0) {
    const [pInj] = injection(solver.ybus, Vr, Vi, net.ref);
    let others = 0;
    for (let q = 1; q < refGens.length; q++) others += net.Pg[refGens[q]];
    PgMW[refGens[0]] = (pInj + net.Pd[net.ref] - others) * net.baseMVA;
  }
  return PgMW;
}

/** What the spec's rules make of one post-outage state. */
export interface Judgement {
  verdict: Verdict;
  maxLoading: number;
  nOverloads: number;
  /** Internal index of the most loaded counted overload (-1: none). */
  worstBranch: number;
  minVm: number;
  maxVm: number;
  nVoltageViolations: number;
  /** Sum of (loading - 1) over counted overloads, and of p.u. beyond the limit over counted voltage violations (severity). */
  overloadExcess: number;
  voltageExcess: number;
}

const NOTHING_SOLVED = { maxLoading: 0, nOverloads: 0, worstBranch: -1, minVm: 0, maxVm: 0, nVoltageViolations: 0, overloadExcess: 0, voltageExcess: 0 };

/** The verdict and counts of an outage: a pure function of the network, the base case and the post-outage state. */
export function judgeOutage(net: Network, base: BaseState, st: OutageState): Judgement {
  if (!solved(st)) return { verdict: st.islanded ? 'islanded' : 'diverged', ...NOTHING_SOLVED };
  let maxLoading = 0, nOverloads = 0, worstBranch = -1, worstL = -Infinity, overloadExcess = 0;
  for (let e = 0; e < net.nl; e++) {
    const L = st.loading[e];
    if (!(L >= 0)) continue; // not judged: unrated, outaged or cut off
    if (L > maxLoading) maxLoading = L;
    if (!(L > base.overloadAbove[e])) continue;
    nOverloads++;
    overloadExcess += L - 1;
    if (L > worstL) { worstL = L; worstBranch = e; }
  }
  const Vm = st.newton!.Vm, active = st.active;
  let minVm = Infinity, maxVm = -Infinity, nVoltageViolations = 0, voltageExcess = 0;
  for (let i = 0; i < net.nb; i++) {
    if (active && !active[i]) continue;
    const v = Vm[i];
    if (v < minVm) minVm = v;
    if (v > maxVm) maxVm = v;
    const over = v - net.Vmax[i], under = net.Vmin[i] - v;
    const countOver = over > base.overVAbove[i];
    if (countOver || under > base.underVAbove[i]) { nVoltageViolations++; voltageExcess += countOver ? over : under; }
  }
  const verdict: Verdict = st.islanded ? 'islanded'
    : nOverloads > 0 && nVoltageViolations > 0 ? 'overload+voltage'
    : nOverloads > 0 ? 'overload'
    : nVoltageViolations > 0 ? 'voltage'
    : 'secure';
  return {
    verdict, maxLoading, nOverloads, worstBranch, nVoltageViolations, overloadExcess, voltageExcess,
    minVm: Number.isFinite(minVm) ? minVm : 0, maxVm: Number.isFinite(maxVm) ? maxVm : 0,
  };
}

/** Which element a record is about: a case row (1-based) and its bus numbers. */
export type OutageId = { branch: number; from: number; to: number } | { gen: number; from: number; to: number };

/** The spec's per-contingency record of one judged outage. */
export function contingencyRecord(net: Network, base: BaseState, id: OutageId, st: OutageState, j: Judgement): ContingencyRecord {
  const { cut } = st;
  // No main island: everything is lost.
  const lost = cut.referenceLost
    ? { cutBuses: net.nb, lostLoadMW: base.totalLoadMW, lostGenMW: base.totalGenMW, lostFraction: 1 }
    : {
      cutBuses: cut.cutBuses, lostLoadMW: cut.lostLoadMW, lostGenMW: cut.lostGenMW,
      lostFraction: lostFraction(cut.lostLoadMW, cut.lostGenMW, base.totalLoadMW, base.totalGenMW),
    };
  const n = st.newton;
  return {
    ...id,
    verdict: j.verdict,
    converged: n?.converged ?? false,
    iterations: n?.iterations ?? 0,
    islanded: st.islanded,
    cutBuses: lost.cutBuses,
    lostLoadMW: lost.lostLoadMW,
    lostGenMW: lost.lostGenMW,
    maxLoading: j.maxLoading,
    nOverloads: j.nOverloads,
    worstBranch: j.worstBranch >= 0 ? net.branchRow[j.worstBranch] + 1 : null,
    minVm: j.minVm,
    maxVm: j.maxVm,
    nVoltageViolations: j.nVoltageViolations,
    mismatch: n?.mismatch ?? 0,
    severity: severity({ verdict: j.verdict, maxLoading: j.maxLoading, overloadExcess: j.overloadExcess, voltageExcess: j.voltageExcess, lostFraction: lost.lostFraction }),
  };
}

/** A branch outage's post-outage state per case row, for display. */
export interface OutageDetail {
  record: ContingencyRecord;
  state: OutageState;
  /** Per case bus row: Vm (p.u.) and Va (degrees) after the outage; NaN outside the main island or when nothing converged. */
  vm: Float64Array;
  va: Float64Array;
  /** Per case branch row: loading after the outage; NaN for unrated, outaged, cut-off or out-of-service branches. */
  loading: Float64Array;
}

export class N1Engine {
  /** Compiles the case, solves its base state (BaseCaseError when it does not converge) and readies the outage solver. */
  static forCase(c: Case, opts: EngineOptions = {}): N1Engine {
    const net = compile(c);
    const solver = new AcSolver(net);
    const topo = gridTopology(net);
    const genAt = gensAt(net);
    const newton = { tol: opts.tol, maxIt: opts.maxIt }; // AcSolver's defaults: the spec's tolerance and cap
    const base = solveBaseState(net, solver, topo, genAt, newton);
    return new N1Engine(c, net, base, new PostOutageSolver(net, topo, base, solver, genAt, { ...newton, slack: opts.slack ?? 'ref' }));
  }

  constructor(readonly c: Case, readonly net: Network, readonly base: BaseState, readonly outages: PostOutageSolver) {}

  /** Case branch rows (1-based) of every in-service branch: the default set. */
  defaultBranches(): number[] {
    return Array.from(this.net.branchRow, (r) => r + 1);
  }

  /** Case gen rows (1-based) of every in-service generator. */
  defaultGens(): number[] {
    return Array.from(this.net.genRow, (r) => r + 1);
  }

  /** Internal index of case branch row `row` (1-based), or a ContingencyError. */
  branchIndex(row: number): number {
    return elementIndex(this.net.branchOfRow, row, 'branch', 'branches');
  }

  /** The post-outage state of case branch row `row` (1-based). */
  branchOutageState(row: number): OutageState {
    return this.outages.branch(this.branchIndex(row));
  }

  /** The record of a post-outage state of case branch row `row`. */
  branchRecord(row: number, st: OutageState): ContingencyRecord {
    const net = this.net, k = st.branch;
    return contingencyRecord(net, this.base, { branch: row, from: net.busNumber[net.f[k]], to: net.busNumber[net.t[k]] }, st, judgeOutage(net, this.base, st));
  }

  /**
   * The record of case branch row `row` when topology alone decides its
   * verdict (islanded): cutBuses, lostLoadMW, lostGenMW and severity as the
   * exact engine gives them, and no flows, since the main island was not
   * solved (maxLoading, minVm, maxVm, mismatch NaN). Null when the main
   * island must be solved to judge it.
   */
  branchByTopology(row: number): ContingencyRecord | null {
    const st = this.outages.branchByTopology(this.branchIndex(row));
    if (!st) return null;
    return { ...this.branchRecord(row, st), maxLoading: NaN, minVm: NaN, maxVm: NaN, mismatch: NaN };
  }

  /** Outage of case branch row `row` (1-based). */
  branchOutage(row: number): ContingencyRecord {
    return this.branchRecord(row, this.branchOutageState(row));
  }

  /** Outage of case generator row `row` (1-based): its output is lost and picked up by the slack. */
  genOutage(row: number): ContingencyRecord {
    const net = this.net;
    const g = elementIndex(net.genOfRow, row, 'generator', 'generators');
    const st = this.outages.gen(g);
    const bus = net.busNumber[net.genBus[g]];
    return contingencyRecord(net, this.base, { gen: row, from: bus, to: bus }, st, judgeOutage(net, this.base, st));
  }

  /** A branch outage with its post-outage state, also per case row (for display). */
  branchOutageDetail(row: number): OutageDetail {
    const state = this.branchOutageState(row);
    const record = this.branchRecord(row, state);
    const net = this.net;
    const vm = new Float64Array(this.c.bus.length).fill(NaN), va = new Float64Array(this.c.bus.length).fill(NaN);
    const loading = new Float64Array(this.c.branch.length).fill(NaN);
    if (solved(state)) {
      const { Vm, Va } = state.newton!;
      for (let i = 0; i < net.nb; i++) if (!state.active || state.active[i]) { vm[net.busRow[i]] = Vm[i]; va[net.busRow[i]] = (Va[i] * 180) / Math.PI; }
      for (let k = 0; k < net.nl; k++) loading[net.branchRow[k]] = state.loading[k];
    }
    return { record, state, vm, va, loading };
  }
}

function elementIndex(ofRow: Int32Array, row: number, what: string, plural: string): number {
  const k = Number.isInteger(row) && row >= 1 && row <= ofRow.length ? ofRow[row - 1] : -1;
  if (k >= 0) return k;
  throw new ContingencyError(Number.isInteger(row) && row >= 1 && row <= ofRow.length
    ? `${what} ${row} is out of service in the case: it cannot be taken out`
    : `${what} ${row} does not exist: the case has ${ofRow.length} ${plural}`);
}
