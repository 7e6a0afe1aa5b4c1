// The post-outage state of one contingency, in one code path for everything
// that needs it: the N-1 engine judges it (contingency.ts), the surrogate's
// dataset keeps its loadings and voltages as regression targets, the app
// draws it on the map. As the spec has it (../shared/spec/n1.md): warm start
// from the solved base case; a branch outage changes four Ybus values (the
// pattern, hence the LU's symbolic analysis, stays); buses cut off from the
// main island are held fixed and judged by the island rule (islands.cutOff).

import { AcSolver, makeSbus, type NewtonOptions, type NewtonResult } from './acpf';
import { PQ } from './idx';
import { cutOff, outageActive, type CutOff, type GridTopology } from './islands';
import { branchLoading, isRated } from './limits';
import type { Network } from './network';
import { branchFlows, YbusOutage } from './ybus';

/** What an outage starts from: the solved base case. */
export interface SolvedBase {
  Vm: Float64Array;
  Va: Float64Array;
  /** Solved generator outputs (MW) per internal gen: what an island loses with them. */
  PgMW: Float64Array;
}

export interface OutageState {
  /** Internal index of the outaged branch (-1 for a generator outage). */
  branch: number;
  /** Internal index of the outaged generator (-1 for a branch outage). */
  gen: number;
  /** Buses solved with the reference bus (null: all of them). */
  active: Uint8Array | null;
  /** What the outage cuts off from the main island. */
  cut: CutOff;
  /** The spec's `islanded`: cut-off load or generation, or no main island left. */
  islanded: boolean;
  /** The main island's Newton solve; null when nothing was solved (no main island). Cut-off buses keep their base values. */
  newton: NewtonResult | null;
  /**
   * Per internal branch: max(|Sf|, |St|) / RATE_A after the outage; NaN
   * where the branch is unrated, is the outaged one, has an end outside the
   * main island, or the solve did not converge.
   */
  loading: Float64Array;
}

/** True when the state holds a converged post-outage power flow. */
export const solved = (s: OutageState): boolean => s.newton?.converged ?? false;

export interface OutageOptions extends NewtonOptions {
  /** Generator outages: who picks up the lost output. */
  slack?: 'ref' | 'distributed';
}

export class PostOutageSolver {
  private readonly ybus: YbusOutage;
  private readonly Pbus: Float64Array;
  private readonly Qbus: Float64Array;
  private readonly rated: Uint8Array;
  private readonly flows: { pf: Float64Array; qf: Float64Array; pt: Float64Array; qt: Float64Array };
  private readonly Vr: Float64Array;
  private readonly Vi: Float64Array;

  /** `solver` solved the base case: its Ybus and LU analysis are reused (and patched per outage). */
  constructor(
    readonly net: Network, readonly topo: GridTopology, readonly base: SolvedBase, private readonly solver: AcSolver,
    readonly genAt: readonly Int32Array[], private readonly opts: OutageOptions,
  ) {
    this.ybus = new YbusOutage(solver.ybus);
    ({ Pbus: this.Pbus, Qbus: this.Qbus } = makeSbus(net));
    this.rated = Uint8Array.from(net.rateA, (r) => (isRated(r) ? 1 : 0));
    const nl = net.nl;
    this.flows = { pf: new Float64Array(nl), qf: new Float64Array(nl), pt: new Float64Array(nl), qt: new Float64Array(nl) };
    this.Vr = new Float64Array(net.nb);
    this.Vi = new Float64Array(net.nb);
  }

  /** Outage of internal branch k. */
  branch(k: number): OutageState {
    const active = outageActive(this.net, this.topo, k);
    const cut = cutOff(this.net, this.topo, active, this.base.PgMW, this.genAt);
    return this.ybus.without(k, () => this.solve(k, -1, active, cut, this.Pbus, this.Qbus, this.solver));
  }

  /**
   * Outage of internal branch k when topology alone decides it (the spec's
   * `islanded` comes first in the verdict order): the cut-off state with
   * nothing solved; null when the outage islands nothing that carries load
   * or generation, so its main island must be solved.
   */
  branchByTopology(k: number): OutageState | null {
    if (!this.topo.isBridge[k]) return null;
    const active = outageActive(this.net, this.topo, k);
    const cut = cutOff(this.net, this.topo, active, this.base.PgMW, this.genAt);
    if (!(cut.carries || cut.referenceLost)) return null;
    return { branch: k, gen: -1, active, cut, islanded: true, newton: null, loading: new Float64Array(this.net.nl).fill(NaN) };
  }

  /** Outage of internal generator g: its output is lost and picked up by the slack. */
  gen(g: number): OutageState {
    const net = this.net, bus = net.genBus[g];
    const Pbus = Float64Array.from(this.Pbus), Qbus = Float64Array.from(this.Qbus);
    Pbus[bus] -= net.Pg[g];
    Qbus[bus] -= net.Qg[g];
    if (this.opts.slack === 'distributed') shareByPmax(net, g, Pbus);
    const active = this.topo.baseActive;
    const cut = cutOff(net, this.topo, active, this.base.PgMW, this.genAt, g);
    const solver = this.solverWithout(g);
    if (!solver) return this.solve(-1, g, active, { ...cut, referenceLost: true }, Pbus, Qbus, this.solver);
    return this.solve(-1, g, active, cut, Pbus, Qbus, solver);
  }

  /**
   * The solver for the network without generator g: the same one while its
   * bus keeps another generator (or was PQ); else the bus turns PQ (a
   * reference bus hands over to the first PV bus). Null when the reference
   * bus loses its only generator and no PV bus is left to take over.
   */
  private solverWithout(g: number): AcSolver | null {
    const net = this.net, bus = net.genBus[g];
    if (this.genAt[bus].some((k) => k !== g) || net.busType[bus] === PQ) return this.solver;
    let pv = Array.from(net.pv).filter((i) => i !== bus);
    const pq = [...net.pq, bus].sort((a, b) => a - b);
    if (bus === net.ref) {
      if (pv.length === 0) return null;
      pv = pv.slice(1); // pv[0] becomes the reference bus
    }
    return new AcSolver(net, Int32Array.from(pv), Int32Array.from(pq), this.solver.ybus);
  }

  private solve(
    k: number, g: number, active: Uint8Array | null, cut: CutOff, Pbus: Float64Array, Qbus: Float64Array, solver: AcSolver,
  ): OutageState {
    const islanded = cut.carries || cut.referenceLost;
    const loading = new Float64Array(this.net.nl).fill(NaN);
    if (cut.referenceLost) return { branch: k, gen: g, active, cut, islanded, newton: null, loading };
    const newton = solver.solve({ Vm: this.base.Vm, Va: this.base.Va, Pbus, Qbus, active }, this.opts);
    if (newton.converged) this.fillLoading(newton, k, active, loading);
    return { branch: k, gen: g, active, cut, islanded, newton, loading };
  }

  /** Loadings of the rated branches of the main island, the outaged one excepted. */
  private fillLoading(r: NewtonResult, k: number, active: Uint8Array | null, loading: Float64Array): void {
    const net = this.net, { Vr, Vi, flows, rated } = this;
    for (let i = 0; i < net.nb; i++) { Vr[i] = r.Vm[i] * Math.cos(r.Va[i]); Vi[i] = r.Vm[i] * Math.sin(r.Va[i]); }
    branchFlows(net, this.solver.ybus, Vr, Vi, flows);
    const { pf, qf, pt, qt } = flows;
    for (let e = 0; e < net.nl; e++) {
      if (e === k || !rated[e] || (active && !(active[net.f[e]] && active[net.t[e]]))) continue;
      loading[e] = branchLoading(pf[e], qf[e], pt[e], qt[e], net.baseMVA, net.rateA[e]);
    }
  }
}

/** Distributed slack: the other in-service generators share generator g's output by Pmax. */
function shareByPmax(net: Network, g: number, Pbus: Float64Array): void {
  let cap = 0;
  for (let k = 0; k < net.ng; k++) if (k !== g) cap += Math.max(net.Pmax[k], 0);
  if (cap > 0) for (let k = 0; k < net.ng; k++) if (k !== g) Pbus[net.genBus[k]] += (net.Pg[g] * Math.max(net.Pmax[k], 0)) / cap;
}
