// The full post-contingency state of a branch outage (every bus voltage and
// every branch loading), which the N-1 engine judges but does not hand out.
// The surrogate's regression targets come from here. It follows the engine's
// rules exactly (../shared/spec/n1.md): warm start from the engine's solved
// base case, the same Ybus with the branch's four terms removed, buses cut
// off from the reference bus held fixed, and "islanded" decided by topology
// alone (a bridge whose far side carries load or an in-service generator).
// Tests check its maxLoading / minVm / maxVm against N1Engine's records.

import { AcSolver, makeSbus } from './acpf';
import type { N1Engine } from './contingency';
import { adjacency, bridges, dfsForest, reachable, type Adjacency } from './islands';
import type { Network } from './network';
import { addBranch, branchFlows, type Ybus } from './ybus';

export interface OutageState {
  /** Internal index of the outaged branch. */
  branch: number;
  /** The spec's topological verdict: the outage cuts off load or generation (or leaves the reference bus alone). */
  islanded: boolean;
  converged: boolean;
  /** Buses solved with the reference bus (null: all of them). */
  active: Uint8Array | null;
  /** Post-contingency voltages (p.u., radians); cut-off buses keep their base values. */
  Vm: Float64Array;
  Va: Float64Array;
  /**
   * Per internal branch: max(|Sf|, |St|) / RATE_A, NaN where the branch is
   * unrated, is the outaged one, or has an end outside the solved island.
   */
  loading: Float64Array;
}

/** True for a rating the spec counts: 0 < RATE_A < 1e10. */
export const isRated = (rateA: number): boolean => rateA > 0 && rateA < 1e10;

/** Topology of a network: adjacency, bridges, and the buses in the reference bus's base island. */
export interface GridTopology {
  adj: Adjacency;
  isBridge: Uint8Array;
  /** Buses connected to the reference bus in the base case (null: all). */
  baseActive: Uint8Array | null;
}

export function gridTopology(net: Network): GridTopology {
  const adj = adjacency(net);
  const reach = reachable(adj, net.nb, net.ref, -1);
  return { adj, isBridge: bridges(net, adj), baseActive: reach.every((v) => v === 1) ? null : reach };
}

/**
 * Buses left with the reference bus after branch k's outage (null when
 * nothing is cut off), and whether the outage is `islanded` by the spec.
 */
export function outageIsland(net: Network, topo: GridTopology, k: number): { active: Uint8Array | null; islanded: boolean } {
  let active = topo.baseActive;
  if (!topo.isBridge[k]) return { active, islanded: false };
  active = reachable(topo.adj, net.nb, net.ref, k);
  if (topo.baseActive) for (let i = 0; i < net.nb; i++) active[i] &= topo.baseActive[i];
  const hasGen = new Uint8Array(net.nb);
  for (let g = 0; g < net.ng; g++) hasGen[net.genBus[g]] = 1;
  let cut = 0, carries = false;
  for (let i = 0; i < net.nb; i++) {
    if (active[i] || (topo.baseActive && !topo.baseActive[i])) continue;
    cut++;
    if (net.Pd[i] !== 0 || net.Qd[i] !== 0 || hasGen[i]) carries = true;
  }
  // The reference bus left alone: no main island (the engine's lostReference).
  if (cut === net.nb - 1 && net.nb > 1) carries = true;
  return { active, islanded: carries };
}

/** Per internal branch: 1 when its outage is `islanded` (decided by topology, no power flow). */
export function islandedByTopology(net: Network, topo: GridTopology = gridTopology(net)): Uint8Array {
  // One depth-first search from the reference bus: removing the tree branch
  // into v cuts off exactly v's subtree when it is a bridge, so the
  // subtree's bus count and whether it carries load or generation decide
  // every bridge at once (outageIsland does the same per branch, by search).
  const n = net.nb;
  const { parent, parentBranch, disc, low, post, root } = dfsForest(topo.adj, n, net.ref);
  const carries = new Uint8Array(n), size = new Int32Array(n).fill(1);
  for (let i = 0; i < n; i++) if (net.Pd[i] !== 0 || net.Qd[i] !== 0) carries[i] = 1;
  for (let g = 0; g < net.ng; g++) carries[net.genBus[g]] = 1;
  const out = new Uint8Array(net.nl);
  for (const v of post) {
    const u = parent[v];
    if (u < 0 || root[v] !== net.ref) continue;
    size[u] += size[v];
    carries[u] |= carries[v];
    // The reference bus left alone also counts (the engine's lostReference).
    if (low[v] > disc[u] && (carries[v] || (size[v] === n - 1 && n > 1))) out[parentBranch[v]] = 1;
  }
  return out;
}

export class PostOutageSolver {
  readonly net: Network;
  readonly topo: GridTopology;
  private readonly solver: AcSolver;
  private readonly y: Ybus;
  private readonly G0: Float64Array;
  private readonly B0: Float64Array;
  private readonly Pbus: Float64Array;
  private readonly Qbus: Float64Array;
  private readonly baseVm: Float64Array;
  private readonly baseVa: Float64Array;
  private readonly opts: { tol: number; maxIt: number };
  private readonly flows: { pf: Float64Array; qf: Float64Array; pt: Float64Array; qt: Float64Array };

  /** Shares the engine's network and solved base case; keeps its own Ybus and LU. */
  constructor(engine: N1Engine, opts: { tol?: number; maxIt?: number } = {}) {
    const net = (this.net = engine.net);
    this.topo = gridTopology(net);
    this.solver = new AcSolver(net);
    this.y = this.solver.ybus;
    this.G0 = Float64Array.from(this.y.G);
    this.B0 = Float64Array.from(this.y.B);
    const { Pbus, Qbus } = makeSbus(net);
    this.Pbus = Pbus;
    this.Qbus = Qbus;
    this.baseVm = engine.base.Vm;
    this.baseVa = engine.base.Va;
    this.opts = { tol: opts.tol ?? 1e-8, maxIt: opts.maxIt ?? 10 };
    const nl = net.nl;
    this.flows = { pf: new Float64Array(nl), qf: new Float64Array(nl), pt: new Float64Array(nl), qt: new Float64Array(nl) };
  }

  /** Outage of internal branch k. */
  branch(k: number): OutageState {
    const net = this.net;
    if (!(Number.isInteger(k) && k >= 0 && k < net.nl)) throw new RangeError(`internal branch ${k} outside 0..${net.nl - 1}`);
    const { active, islanded } = outageIsland(net, this.topo, k);
    const loading = new Float64Array(net.nl).fill(NaN);
    addBranch(this.y, k, -1);
    let r;
    try {
      r = this.solver.solve({ Vm: this.baseVm, Va: this.baseVa, Pbus: this.Pbus, Qbus: this.Qbus, active }, this.opts);
    } finally {
      // Restore the exact values (adding the terms back could round differently).
      const y = this.y;
      for (const s of [y.slotFF[k], y.slotFT[k], y.slotTF[k], y.slotTT[k]]) { y.G[s] = this.G0[s]; y.B[s] = this.B0[s]; }
    }
    if (r.converged) {
      const Vr = new Float64Array(net.nb), Vi = new Float64Array(net.nb);
      for (let i = 0; i < net.nb; i++) { Vr[i] = r.Vm[i] * Math.cos(r.Va[i]); Vi[i] = r.Vm[i] * Math.sin(r.Va[i]); }
      branchFlows(net, this.y, Vr, Vi, this.flows);
      const { pf, qf, pt, qt } = this.flows;
      for (let e = 0; e < net.nl; e++) {
        if (e === k || !isRated(net.rateA[e])) continue;
        if (active && !(active[net.f[e]] && active[net.t[e]])) continue;
        const s = Math.max(Math.hypot(pf[e], qf[e]), Math.hypot(pt[e], qt[e]));
        loading[e] = (s * net.baseMVA) / net.rateA[e];
      }
    }
    return { branch: k, islanded, converged: r.converged, active, Vm: r.Vm, Va: r.Va, loading };
  }
}
