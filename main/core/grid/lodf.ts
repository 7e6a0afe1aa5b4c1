// DC screening with PTDF/LODF, one column at a time: for an outage of
// branch k, solve B x = e_f - e_t once (B factorized once per network) to get
// the PTDF of a transfer across k, then LODF(:,k) = PTDF(:,k) / (1 - PTDF(k,k)).
// The full LODF matrix (nl x nl) is never formed, so the largest cases fit.

import { SparseLU } from '../linalg';
import type { Network } from './network';
import { makeBdc, reducedB, dcInjections, solveDcAngles, dcFlows, type Bdc, type ReducedB } from './dcpf';
import { cutOff, gensAt, gridTopology, reachable, type GridTopology } from './islands';
import type { ContingencyRecord, Verdict } from './contingency-types';
import { lostFraction, severity } from './severity';
import { isOverloaded, isRated, overloadThreshold } from './limits';
import { TransferScreen } from './lodf-wasm';

export class DcScreen {
  readonly bdc: Bdc;
  readonly rb: ReducedB;
  /** Base DC flows (p.u.) and angles. */
  readonly f0: Float64Array;
  readonly Va0: Float64Array;
  readonly loading0: Float64Array;
  /** Per branch: the loading above which a post-outage overload counts. */
  private readonly countsAbove: Float64Array;
  /** Base DC loading summary, as the N-1 runs report the base case. */
  readonly base: { maxLoading: number; nOverloads: number };
  private readonly lu: SparseLU;
  private readonly topo: GridTopology;
  readonly isBridge: Uint8Array;
  /** Case dispatch (MW) per in-service generator: what an island loses in DC. */
  private readonly PgMW: Float64Array;
  private readonly genAt: Int32Array[];
  private readonly rhs: Float64Array;
  private readonly x: Float64Array;
  private readonly theta: Float64Array;
  private readonly totalLoadMW: number;
  private readonly totalGenMW: number;
  /** baseMVA / RATE_A, 0 for unrated branches: loading = |P| * invRate. */
  private readonly invRate: Float64Array;

  constructor(readonly net: Network) {
    this.invRate = new Float64Array(net.nl);
    for (let k = 0; k < net.nl; k++) {
      const rate = net.rateA[k];
      this.invRate[k] = isRated(rate) ? net.baseMVA / rate : 0;
    }
    this.bdc = makeBdc(net);
    this.rb = reducedB(net, this.bdc);
    this.lu = new SparseLU(this.rb.csc);
    this.lu.factor(this.rb.csc.values);
    this.topo = gridTopology(net);
    this.isBridge = this.topo.isBridge;
    this.genAt = gensAt(net);
    this.PgMW = Float64Array.from(net.Pg, (p) => p * net.baseMVA);
    const n = this.rb.bus.length;
    this.rhs = new Float64Array(n); this.x = new Float64Array(n);
    this.theta = new Float64Array(net.nb);
    // Base DC power flow.
    this.Va0 = solveDcAngles(net, this.bdc, this.rb, this.lu, dcInjections(net, this.bdc));
    this.f0 = dcFlows(net, this.bdc, this.Va0);
    this.loading0 = new Float64Array(net.nl);
    let maxLoading = 0, nOverloads = 0;
    for (let k = 0; k < net.nl; k++) {
      const L = (this.loading0[k] = this.loadingOf(k, this.f0[k]));
      if (L > maxLoading) maxLoading = L;
      if (isOverloaded(L)) nOverloads++;
    }
    this.base = { maxLoading, nOverloads };
    this.countsAbove = this.loading0.map(overloadThreshold);
    let tl = 0, tg = 0;
    for (let i = 0; i < net.nb; i++) tl += net.Pd[i] * net.baseMVA;
    for (let k = 0; k < net.ng; k++) tg += this.PgMW[k];
    this.totalLoadMW = tl; this.totalGenMW = tg;
  }

  /**
   * Flow change on every branch per unit of power injected at bus `a` and
   * withdrawn at bus `b` (b = -1: withdrawn at the reference bus), into `out`.
   */
  ptdfTransfer(a: number, b: number, out: Float64Array): void {
    const theta = this.transferAngles(a, b);
    const bb = this.bdc.b, f = this.net.f, t = this.net.t, nl = this.net.nl;
    for (let k = 0; k < nl; k++) out[k] = bb[k] * (theta[f[k]] - theta[t[k]]);
  }

  /**
   * Bus angles (rad per p.u.) of one unit injected at bus `a` and withdrawn
   * at `b` (-1: at the reference bus). The PTDF of branch k for that transfer
   * is bdc.b[k] * (theta[f[k]] - theta[t[k]]). Returns an internal buffer,
   * valid until the next call.
   */
  transferAngles(a: number, b: number): Float64Array {
    const { rb, rhs, x, theta } = this;
    rhs.fill(0);
    if (rb.idx[a] >= 0) rhs[rb.idx[a]] += 1;
    if (b >= 0 && rb.idx[b] >= 0) rhs[rb.idx[b]] -= 1;
    this.lu.solve(rhs, x);
    theta.fill(0);
    const bus = rb.bus;
    for (let u = 0; u < bus.length; u++) theta[bus[u]] = x[u];
    return theta;
  }

  /**
   * The WebAssembly solve-and-scan for transfers across branches (features),
   * with per-branch scale invRate; null when WebAssembly is unavailable.
   */
  transferScreen(invRate: Float64Array): TransferScreen | null {
    return TransferScreen.create(this.net, this.rb, this.lu, this.bdc.b, invRate);
  }

  /** LODF column of branch k into `out`; returns false when k is a bridge (1 - PTDF_kk = 0). */
  lodfColumn(k: number, out: Float64Array): boolean {
    if (this.isBridge[k]) return false;
    this.ptdfTransfer(this.net.f[k], this.net.t[k], out);
    const d = 1 - out[k];
    for (let l = 0; l < out.length; l++) out[l] /= d;
    out[k] = -1;
    return true;
  }

  /**
   * Post-outage DC flows (p.u.) of branch k into `flows`, and the buses left
   * in the main island (null when none is cut off).
   */
  outageFlows(k: number, flows: Float64Array): Uint8Array | null {
    const net = this.net;
    if (!this.isBridge[k]) {
      // flows = f0 + LODF(:,k) f0_k, with LODF(:,k) = PTDF(:,k) / (1 - PTDF(k,k)).
      this.ptdfTransfer(net.f[k], net.t[k], flows);
      const scale = this.f0[k] / (1 - flows[k]);
      const f0 = this.f0;
      for (let l = 0; l < flows.length; l++) flows[l] = f0[l] + flows[l] * scale;
      flows[k] = 0;
      return null;
    }
    // A bridge: the power that crossed it stays at its main-island end and the
    // reference bus absorbs it; the cut side is dropped.
    const active = reachable(this.topo.adj, net.nb, net.ref, k);
    const mainEnd = active[net.f[k]] ? net.f[k] : net.t[k];
    const out = mainEnd === net.f[k] ? this.f0[k] : -this.f0[k];
    this.ptdfTransfer(mainEnd, -1, flows);
    for (let l = 0; l < net.nl; l++) flows[l] = active[net.f[l]] && active[net.t[l]] ? this.f0[l] + flows[l] * out : 0;
    flows[k] = 0;
    return active;
  }

  /** DC verdict of branch k's outage (overloads only; DC has no voltages). */
  branchOutage(row: number, flows: Float64Array = new Float64Array(this.net.nl)): ContingencyRecord {
    const net = this.net;
    const k = net.branchOfRow[row - 1];
    const from = net.busNumber[net.f[k]], to = net.busNumber[net.t[k]];
    const active = this.outageFlows(k, flows);
    const cut = cutOff(net, this.topo, active, this.PgMW, this.genAt);
    if (cut.referenceLost) {
      return this.rec(row, from, to, 'islanded', { islanded: true, cutBuses: net.nb, lostLoadMW: this.totalLoadMW, lostGenMW: this.totalGenMW, maxLoading: 0, nOverloads: 0, worstBranch: null, excess: 0, lostFraction: 1 });
    }
    const { cutBuses, lostLoadMW, lostGenMW, carries: islanded } = cut;
    let maxLoading = 0, nOverloads = 0, worst = -1, worstL = -Infinity, excess = 0;
    const invRate = this.invRate, countsAbove = this.countsAbove;
    for (let l = 0; l < net.nl; l++) {
      if (l === k) continue;
      const p = flows[l];
      const L = (p < 0 ? -p : p) * invRate[l];
      if (L > maxLoading) maxLoading = L;
      if (!(L > countsAbove[l])) continue;
      nOverloads++; excess += L - 1;
      if (L > worstL) { worstL = L; worst = l; }
    }
    const verdict: Verdict = islanded ? 'islanded' : nOverloads > 0 ? 'overload' : 'secure';
    return this.rec(row, from, to, verdict, {
      islanded, cutBuses, lostLoadMW, lostGenMW, maxLoading, nOverloads, worstBranch: worst >= 0 ? net.branchRow[worst] + 1 : null, excess,
      lostFraction: lostFraction(lostLoadMW, lostGenMW, this.totalLoadMW, this.totalGenMW),
    });
  }

  private rec(
    branch: number, from: number, to: number, verdict: Verdict,
    v: { islanded: boolean; cutBuses: number; lostLoadMW: number; lostGenMW: number; maxLoading: number; nOverloads: number; worstBranch: number | null; excess: number; lostFraction: number },
  ): ContingencyRecord {
    return {
      branch, from, to, verdict, converged: true, iterations: 0, islanded: v.islanded, cutBuses: v.cutBuses,
      lostLoadMW: v.lostLoadMW, lostGenMW: v.lostGenMW, maxLoading: v.maxLoading, nOverloads: v.nOverloads, worstBranch: v.worstBranch,
      minVm: 1, maxVm: 1, nVoltageViolations: 0, mismatch: 0,
      severity: severity({ verdict, maxLoading: v.maxLoading, overloadExcess: v.excess, voltageExcess: 0, lostFraction: v.lostFraction }),
    };
  }

  private loadingOf(k: number, p: number): number {
    return Math.abs(p) * this.invRate[k];
  }
}
