// What the N-1 surrogate sees of a solved operating point, in raw physical
// units (the learning side normalises). Two parts:
//
// 1. Static features of the solved base case, one row per bus and per
//    in-service branch (internal order), the same for every outage:
//      bus:    Pd, Qd, Pg, Qg (solved injections + load, p.u.), Vm, Va - Va_ref
//              (rad), Vmax - Vm, Vm - Vmin, bus type one-hot (PQ, PV, REF), Bs
//      branch: r, x, b, tap ratio, shift (rad), RATE_A / baseMVA, rated flag,
//              |Sf| / RATE_A, |St| / RATE_A, Pf, Qf, Pt, Qt (p.u.), base
//              overload flag (loading > 1: the spec then counts it only if it
//              gets worse by a point)
//
// 2. Per outage of branch k, a compact record of the branches the DC-LODF
//    screen says will move, with the flow change (dP, p.u. of rating) and an
//    estimated post-outage loading that keeps each branch's AC base flows
//    and adds the LODF share of the outaged branch's AC base flow:
//      P_f' = Pf + LODF(e,k) * P_k,   loading' = max(|P_f' + jQf|, |P_t' + jQt|) / RATE_A
//    Two kinds of listed branch:
//      estimate only   |dLoading| >= offsetThreshold: the estimate becomes the
//                      baseline of the branch's predicted loading, nothing else
//                      of the model's input changes;
//      featured        also near its limit (estimate >= nearLoading and
//                      |dLoading| >= nearThreshold; the maxFeatured highest
//                      estimates): dP, the estimate and a flag enter the
//                      network as edge features.
//    So an outage changes the network's inputs only at its own ends and at
//    the few branches that could overload: incremental inference stays local.
//    LODF depends on topology and reactances only, not on the operating point.

import type { N1Engine } from './contingency';
import type { DcScreen } from './lodf';
import type { TransferScreen } from './lodf-wasm';
import type { Network } from './network';
import { branchLoading, countingLoading, countingVmax, countingVmin, isOverloaded, isRated } from './limits';
import { PQ, PV, REF } from './idx';
import { branchFlows, makeYbus } from './ybus';
import { injection } from './pfsoln';
import { AcOutageStep } from './ac-step';

export const NODE_STATIC = ['pd', 'qd', 'pg', 'qg', 'vm', 'va', 'vmaxMargin', 'vminMargin', 'isPQ', 'isPV', 'isRef', 'bs'] as const;
export const EDGE_STATIC = ['r', 'x', 'b', 'tap', 'shift', 'rate', 'rated', 'loadF', 'loadT', 'pf', 'qf', 'pt', 'qt', 'baseOver'] as const;
/** Per-outage node columns, after the static ones: end bus of the outaged branch, base P and Q it sent into that branch (p.u.). */
export const NODE_OUTAGE = ['outEnd', 'outP', 'outQ'] as const;
/**
 * Per-outage edge columns: DC-LODF flow change (p.u. of rating), estimated
 * loading, featured flag, and the estimate's margin to the loading at which an
 * overload counts (1, or base loading + 0.01 for a branch already overloaded).
 */
export const EDGE_OUTAGE = ['lodfDp', 'estLoading', 'featured', 'estMargin'] as const;

export const NS = NODE_STATIC.length;
export const ES = EDGE_STATIC.length;
const E_RATE = 5, E_PF = 9, E_QF = 10, E_PT = 11, E_QT = 12;

export interface FeatureOptions {
  /** Smallest |dLoading| whose estimate is listed (as the branch's baseline). */
  offsetThreshold: number;
  /** Most branches listed per outage (largest |dLoading| first). */
  maxListed: number;
  /** Featured branches: estimate at least nearLoading and |dLoading| at least nearThreshold, at most maxFeatured. */
  nearLoading: number;
  nearThreshold: number;
  maxFeatured: number;
  /**
   * The post-outage loading estimate of a listed branch: 'dc' keeps the AC
   * base flows and adds the DC-LODF share of the outaged branch's flow;
   * 'ac-step' takes the first Newton step of the post-outage AC power flow
   * from the base case (ac-step.ts: reactive flows, voltages and losses too;
   * on case_ACTIVSg2000 its error on the listed branches is a third of the
   * DC one). Absent (datasets and models made before it): 'dc'.
   */
  estimate?: 'dc' | 'ac-step';
  /**
   * With 'ac-step': branches loaded at least this much in the base case
   * (base-overloaded ones included, which count once worse by a point) are
   * listed and featured for every outage whose AC step moves them by at
   * least nearThreshold, however little the DC screen moves them.
   */
  watchLoading?: number;
  /**
   * With 'ac-step': buses whose AC step moves Vm by at least voltageMove
   * and leaves it within voltageNear of the Vm at which a violation counts
   * (limits.ts countingVmin / countingVmax) are listed with their estimated
   * Vm, the closest to a limit first, at most maxVoltage. The branch
   * estimates alone miss voltage-only outages (on case_ACTIVSg2000 every
   * miss of the AC-step model without them was one). Absent: no bus list.
   */
  voltageMove?: number;
  voltageNear?: number;
  maxVoltage?: number;
  /**
   * With 'ac-step': Newton steps of the estimate (the first, then chord
   * steps on the same factors, ac-step.ts), each about ten times closer to
   * the exact post-outage state on case_ACTIVSg2000. Absent: 1.
   */
  acSteps?: number;
  /**
   * With 'ac-step': every rated branch the estimate moves is a candidate for
   * the list, not only those the DC screen moves (on case_ACTIVSg2000 an
   * outage moved a branch from 0.82 to 1.03 that DC-LODF left alone), and a
   * watched branch is listed when its estimate is within nearThreshold of
   * the loading at which its overload counts, however little it moves.
   * Absent: the DC screen's candidates.
   */
  acScan?: boolean;
}

/** What datasets made before FeatureOptions.estimate used (and their models expect). */
export const dcFeatureOptions: FeatureOptions = { offsetThreshold: 0.005, maxListed: 256, nearLoading: 0.8, nearThreshold: 0.002, maxFeatured: 16 };
/** The records of a grid of at most AC_STEP_BRANCHES branches: the DC estimate, said so. */
export const defaultFeatureOptions: FeatureOptions = { ...dcFeatureOptions, estimate: 'dc' };
/**
 * The AC-step records: up to five Newton steps of the post-outage flow (the
 * first by Woodbury on the base factors, chord steps after it, stopping once
 * the mismatch is below 1e-6; on case_ACTIVSg2000 three steps took the
 * loading error on branches loaded above 0.5 from 3e-5 to 9e-7 on average,
 * its largest from 0.06 to 0.005), every rated branch scanned, their watched
 * branches and their bus voltages.
 */
export const acStepFeatureOptions: FeatureOptions = { ...dcFeatureOptions, estimate: 'ac-step', watchLoading: 0.95, voltageMove: 0.001, voltageNear: 0.02, maxVoltage: 16, acSteps: 5, acScan: true };
/** Whether records of these options are AC-step ones (the readout, the threads and the name follow). */
export const acStepRecords = (o: FeatureOptions | undefined): boolean => o?.estimate === 'ac-step';
/**
 * The mismatch (p.u.) below which an AC-step estimate counts as settled:
 * measured before its last step, so that the post-outage state it reports
 * is near a solution. On case_ACTIVSg2000's stressed points 4-6% of the
 * non-islanded outages stay above it after five steps (chord steps converge
 * slowly where an outage moves voltages by a tenth of a p.u.); the verified
 * screen solves those exactly, whatever the network says (its three misses
 * there had estimates 0.03-0.2 p.u. from a solution, their Vmin 0.90-0.93
 * against 0.895-0.899 exactly).
 */
export const SETTLED_MISMATCH = 0.01;

/** Whether an estimate with this mismatch settled; null when there is no AC estimate to judge (DC records, a one-step estimate). */
export function estimateSettled(mismatch: number): boolean | null {
  return Number.isNaN(mismatch) ? null : mismatch <= SETTLED_MISMATCH;
}

/**
 * Above this many branches a new dataset's records take the AC first step.
 * case_ACTIVSg2000 (3206 branches), 20 scenarios x 500 outages, 8 epochs:
 * stressed balanced accuracy 0.84 against 0.65 with the DC records (a sixth
 * of its insecure outages overload branches the DC screen does not see move);
 * case_ACTIVSg200 (245): the same within the seeds' spread. The step costs
 * about 0.7 ms per outage against 0.13 ms on case_ACTIVSg2000 (bench
 * `features`), paid by every label and every prediction.
 */
export const AC_STEP_BRANCHES = 1000;
export function featureOptionsFor(branches: number): FeatureOptions {
  return branches > AC_STEP_BRANCHES ? acStepFeatureOptions : defaultFeatureOptions;
}
/** Watched branches featured per outage at most (beyond maxFeatured). */
const MAX_WATCHED = 32;

/** The solved base case of one operating point, as the features need it. */
export interface ScenarioState {
  net: Network;
  Vm: Float64Array;
  Va: Float64Array;
  /** Branch flows (p.u.), internal order. */
  pf: Float64Array; qf: Float64Array; pt: Float64Array; qt: Float64Array;
  /** Per bus: solved generation (injection + load), p.u. */
  pg: Float64Array; qg: Float64Array;
  /** Per branch: base loading (0 when unrated). */
  loading: Float64Array;
}

export function scenarioState(engine: N1Engine): ScenarioState {
  const net = engine.net;
  const { Vm, Va } = engine.base;
  const y = makeYbus(net);
  const nb = net.nb, nl = net.nl;
  const Vr = new Float64Array(nb), Vi = new Float64Array(nb);
  for (let i = 0; i < nb; i++) { Vr[i] = Vm[i] * Math.cos(Va[i]); Vi[i] = Vm[i] * Math.sin(Va[i]); }
  const fl = { pf: new Float64Array(nl), qf: new Float64Array(nl), pt: new Float64Array(nl), qt: new Float64Array(nl) };
  branchFlows(net, y, Vr, Vi, fl);
  const pg = new Float64Array(nb), qg = new Float64Array(nb);
  for (let i = 0; i < nb; i++) {
    const [p, q] = injection(y, Vr, Vi, i);
    pg[i] = p + net.Pd[i];
    qg[i] = q + net.Qd[i];
  }
  return { net, Vm, Va, ...fl, pg, qg, loading: engine.base.loading };
}

/** Static features: [nb x NS] bus rows then [nl x ES] branch rows, one Float32Array. */
export function staticFeatures(s: ScenarioState): Float32Array {
  const net = s.net, nb = net.nb, nl = net.nl;
  const out = new Float32Array(nb * NS + nl * ES);
  const vaRef = s.Va[net.ref];
  for (let i = 0; i < nb; i++) {
    const o = i * NS, t = net.busType[i];
    out[o] = net.Pd[i];
    out[o + 1] = net.Qd[i];
    out[o + 2] = s.pg[i];
    out[o + 3] = s.qg[i];
    out[o + 4] = s.Vm[i];
    out[o + 5] = wrap(s.Va[i] - vaRef);
    out[o + 6] = net.Vmax[i] - s.Vm[i];
    out[o + 7] = s.Vm[i] - net.Vmin[i];
    out[o + 8] = t === PQ ? 1 : 0;
    out[o + 9] = t === PV ? 1 : 0;
    out[o + 10] = t === REF ? 1 : 0;
    out[o + 11] = net.Bs[i];
  }
  for (let k = 0; k < nl; k++) {
    const o = nb * NS + k * ES;
    const rated = isRated(net.rateA[k]);
    const rate = rated ? net.rateA[k] / net.baseMVA : 0;
    out[o] = net.r[k];
    out[o + 1] = net.x[k];
    out[o + 2] = net.b[k];
    out[o + 3] = net.ratio[k];
    out[o + 4] = net.shift[k];
    out[o + E_RATE] = rate;
    out[o + 6] = rated ? 1 : 0;
    // Each end's |S| / RATE_A (the loading rule's terms, end by end).
    out[o + 7] = rated ? branchLoading(s.pf[k], s.qf[k], 0, 0, net.baseMVA, net.rateA[k]) : 0;
    out[o + 8] = rated ? branchLoading(s.pt[k], s.qt[k], 0, 0, net.baseMVA, net.rateA[k]) : 0;
    out[o + E_PF] = s.pf[k];
    out[o + E_QF] = s.qf[k];
    out[o + E_PT] = s.pt[k];
    out[o + E_QT] = s.qt[k];
    out[o + 13] = isOverloaded(s.loading[k]) ? 1 : 0;
  }
  return out;
}

const wrap = (a: number) => Math.atan2(Math.sin(a), Math.cos(a));

/**
 * Record layout: [k, n, then per listed branch: e, dP (p.u. of rating),
 * estimated loading, featured 0/1], and with the voltage options a bus
 * section [m, then per listed bus: i, estimated Vm] (buses ascending).
 * Records without it (2 + 4n values) list no bus.
 */
export const RECORD_STRIDE = 4;
export const BUS_STRIDE = 2;

/** Where a record's bus section starts and how many buses it lists; null when the record is malformed. */
export function recordBuses(rec: Float32Array): { at: number; m: number } | null {
  const n = rec[1], end = 2 + RECORD_STRIDE * n;
  if (!(Number.isInteger(n) && n >= 0)) return null;
  if (rec.length === end) return { at: end + 1, m: 0 };
  const m = rec[end];
  if (!(Number.isInteger(m) && m >= 0) || rec.length !== end + 1 + BUS_STRIDE * m) return null;
  return { at: end + 1, m };
}

/** Builds per-outage records for one solved scenario (rates and scratch precomputed once). */
export class OutageFeaturizer {
  private readonly rateRef: Float64Array;
  private readonly invRateRef: Float64Array;
  private readonly rated: Uint8Array;
  private readonly lodf: Float64Array;
  private readonly pick: Int32Array;
  private readonly dl: Float64Array;
  private readonly est: Float64Array;
  private readonly feat: Uint8Array;
  private readonly sel: Uint8Array;
  private readonly order: Int32Array;
  /** The solve-and-scan in WebAssembly (null: TypeScript). */
  private readonly transfer: TransferScreen | null;
  /** The AC first step (estimate 'ac-step'), built on first use; and the watched branches, by base loading. */
  private acStep: AcOutageStep | null = null;
  /**
   * After record(k) with estimate 'ac-step': the largest mismatch (p.u.) its
   * AC estimate left before the last step; Infinity when the estimate failed
   * (diverged, or a pivot vanished); NaN without one (DC records, a bridge,
   * a single step).
   */
  estimateMismatch = NaN;
  private readonly watched: Int32Array;
  private readonly picked: Uint8Array;
  /** Per bus, the Vm below / above which a violation counts (the voltage options). */
  private readonly vLow: Float64Array;
  private readonly vHigh: Float64Array;

  constructor(readonly s: ScenarioState, readonly screen: DcScreen, readonly opts: FeatureOptions = defaultFeatureOptions, kernels: 'wasm' | 'js' = 'wasm') {
    const net = s.net;
    this.rateRef = new Float64Array(net.nl);
    this.rated = new Uint8Array(net.nl);
    for (let e = 0; e < net.nl; e++) {
      this.rated[e] = isRated(net.rateA[e]) ? 1 : 0;
      this.rateRef[e] = this.rated[e] ? net.rateA[e] / net.baseMVA : 1;
    }
    this.invRateRef = this.rateRef.map((r) => 1 / r);
    this.lodf = new Float64Array(net.nl);
    this.pick = new Int32Array(net.nl);
    this.dl = new Float64Array(net.nl);
    this.est = new Float64Array(net.nl);
    this.feat = new Uint8Array(net.nl);
    this.sel = new Uint8Array(net.nl);
    this.order = new Int32Array(net.nl);
    this.transfer = kernels === 'wasm' ? screen.transferScreen(this.invRateRef) : null;
    const w: number[] = [];
    if (opts.estimate === 'ac-step' && opts.watchLoading !== undefined) for (let e = 0; e < net.nl; e++) if (this.rated[e] && s.loading[e] >= opts.watchLoading) w.push(e);
    this.watched = Int32Array.from(w);
    this.picked = new Uint8Array(net.nl);
    this.vLow = Float64Array.from(s.Vm, (vm, i) => countingVmin(vm, net.Vmin[i]));
    this.vHigh = Float64Array.from(s.Vm, (vm, i) => countingVmax(vm, net.Vmax[i]));
  }

  /** The buses the AC step moves near a counting voltage limit, ascending (the voltage options), as [i, estimated Vm] pairs. */
  private voltageBuses(ac: AcOutageStep | null): number[] {
    const { opts, s, vLow, vHigh } = this;
    if (!ac || opts.voltageMove === undefined) return [];
    const move = opts.voltageMove, near = opts.voltageNear ?? 0, max = opts.maxVoltage ?? 0;
    const found: [number, number, number][] = [];
    for (let i = 0; i < s.net.nb; i++) {
      const v = ac.Vm[i];
      if (!(Math.abs(v - s.Vm[i]) >= move)) continue;
      const margin = Math.min(v - vLow[i], vHigh[i] - v);
      if (margin <= near) found.push([i, v, margin]);
    }
    if (found.length > max) found.sort((a, b) => a[2] - b[2] || a[0] - b[0]).length = max;
    found.sort((a, b) => a[0] - b[0]);
    return found.flatMap(([i, v]) => [i, v]);
  }

  /** Which implementation scans the branches. */
  get kernel(): 'wasm' | 'js' {
    return this.transfer ? 'wasm' : 'js';
  }

  /**
   * The record of internal branch k's outage (bridges list nothing: in DC
   * their flow has nowhere else to go). One pass over the branches computes
   * each LODF(e, k) from the transfer angles and keeps only the branches
   * that move enough; sorting is needed only when more qualify than fit.
   */
  record(k: number): Float32Array {
    const { s, opts, lodf, rateRef, rated, pick, dl, est, feat, sel } = this;
    const net = s.net, nl = net.nl, f = net.f, t = net.t, loading = s.loading;
    this.estimateMismatch = NaN;
    if (this.screen.isBridge[k]) return Float32Array.of(k, 0);
    const bb = this.screen.bdc.b;
    // AC flow through k, averaged over its ends (losses split evenly).
    const pk = (s.pf[k] - s.pt[k]) / 2;
    const offT = opts.offsetThreshold, nearT = opts.nearThreshold, nearL = opts.nearLoading;
    const lowest = Math.min(offT, nearT);
    // Screen with multiplications only (|PTDF| |pk / dk| / rate, a hair below
    // the threshold to absorb rounding), then decide with the exact formula:
    // LODF(e, k) = PTDF(e) / (1 - PTDF(k)) (the operations of DcScreen.lodfColumn).
    const invRate = this.invRateRef, thr = lowest * (1 - 1e-9);
    let n = 0;
    const keep = (e: number, p: number, dk: number) => {
      const lo = p / dk;
      const d = Math.abs(lo * pk) / rateRef[e];
      if (!(d >= lowest)) return;
      if (d >= offT || (rated[e] && loading[e] + d >= nearL)) { lodf[e] = lo; dl[e] = d; pick[n++] = e; }
    };
    const ts = this.transfer;
    if (ts) {
      ts.solve(f[k], t[k]);
      const dk = 1 - bb[k] * (ts.angle(f[k]) - ts.angle(t[k]));
      const m = ts.scan(k, Math.abs(pk / dk), thr);
      const idx = ts.outIdx, pv = ts.outP;
      for (let j = 0; j < m; j++) keep(idx[j], pv[j], dk);
    } else {
      const theta = this.screen.transferAngles(f[k], t[k]);
      const dk = 1 - bb[k] * (theta[f[k]] - theta[t[k]]);
      const gain = Math.abs(pk / dk);
      for (let e = 0; e < nl; e++) {
        const p = bb[e] * (theta[f[e]] - theta[t[e]]);
        if (!(Math.abs(p) * gain * invRate[e] >= thr) || e === k) continue;
        keep(e, p, dk);
      }
    }
    // The AC step: estimates of the listed branches, and the watched ones it moves (DC share 0: the screen barely moves them).
    let ac: AcOutageStep | null = null;
    let nWatched = 0;
    if (opts.estimate === 'ac-step') {
      ac = this.acStep ??= new AcOutageStep(net, s.Vm, s.Va);
      if (!ac.estimate(k, s.pf[k], s.qf[k], s.pt[k], s.qt[k], opts.acSteps ?? 1)) ac = null;
      this.estimateMismatch = ac ? ac.residual : Infinity;
    }
    if (ac && opts.acScan) {
      // Every rated branch the estimate moves enough (DC share 0 where the screen did not list it).
      const picked = this.picked;
      for (let j = 0; j < n; j++) picked[pick[j]] = 1;
      const n0 = n;
      for (let e = 0; e < nl; e++) {
        if (e === k || picked[e] || !rated[e]) continue;
        const d = Math.abs(ac.loading(e) - loading[e]);
        if (d >= lowest && (d >= offT || loading[e] + d >= nearL)) { lodf[e] = 0; dl[e] = d; pick[n++] = e; }
      }
      for (let j = 0; j < n0; j++) picked[pick[j]] = 0;
      if (n > n0) pick.subarray(0, n).sort();
    }
    if (ac && this.watched.length > 0) {
      const picked = this.picked;
      for (let j = 0; j < n; j++) picked[pick[j]] = 1;
      const w: number[] = [];
      for (const e of this.watched) {
        if (e === k) continue;
        const est = ac.loading(e), d = Math.abs(est - loading[e]);
        if (d >= nearT || (opts.acScan && est >= countingLoading(loading[e]) - nearT)) { w.push(e); if (!picked[e]) { lodf[e] = 0; dl[e] = d; pick[n++] = e; } }
      }
      for (let j = 0; j < n; j++) picked[pick[j]] = 0;
      // The most moved first when more qualify than fit.
      if (w.length > MAX_WATCHED) w.sort((a, b) => Math.abs(ac!.loading(b) - loading[b]) - Math.abs(ac!.loading(a) - loading[a]) || a - b);
      for (const e of w.slice(0, MAX_WATCHED)) { feat[e] = 1; sel[e] = 1; nWatched++; }
      pick.subarray(0, n).sort();
    }
    // Featured: near the limit, highest estimates first, at most maxFeatured (watched ones besides).
    const order = this.order;
    let nNear = 0;
    for (let j = 0; j < n; j++) {
      const e = pick[j];
      est[e] = !rated[e] ? 0 : ac ? ac.loading(e) : estimatedLoading(s, e, lodf[e] * pk);
      if (rated[e] && !feat[e] && est[e] >= nearL && dl[e] >= nearT) order[nNear++] = e;
    }
    if (nNear > opts.maxFeatured) {
      const top = Array.from(order.subarray(0, nNear)).sort((a, b) => est[b] - est[a] || a - b);
      nNear = opts.maxFeatured;
      order.set(top.slice(0, nNear));
    }
    for (let j = 0; j < nNear; j++) { feat[order[j]] = 1; sel[order[j]] = 1; }
    // Listed: every featured one, then the largest moves with a visible change of estimate.
    const quota = Math.max(0, opts.maxListed - nNear - nWatched);
    let nRest = 0;
    for (let j = 0; j < n; j++) { const e = pick[j]; if (!feat[e] && dl[e] >= offT) order[nRest++] = e; }
    if (nRest > quota) {
      const top = Array.from(order.subarray(0, nRest)).sort((a, b) => dl[b] - dl[a] || a - b);
      for (let j = 0; j < quota; j++) sel[top[j]] = 1;
    } else {
      for (let j = 0; j < nRest; j++) sel[order[j]] = 1;
    }
    // In branch order (pick is ascending).
    let count = 0;
    for (let j = 0; j < n; j++) if (sel[pick[j]]) count++;
    const buses = this.voltageBuses(ac);
    const out = new Float32Array(2 + RECORD_STRIDE * count + (buses.length > 0 ? 1 + buses.length : 0));
    out[0] = k;
    out[1] = count;
    let o = 2;
    for (let j = 0; j < n; j++) {
      const e = pick[j];
      if (!sel[e]) continue;
      out[o] = e;
      out[o + 1] = (lodf[e] * pk) / rateRef[e];
      out[o + 2] = est[e];
      out[o + 3] = feat[e];
      o += RECORD_STRIDE;
      sel[e] = 0;
      feat[e] = 0;
    }
    if (buses.length > 0) {
      out[o] = buses.length / BUS_STRIDE;
      out.set(buses, o + 1);
    }
    return out;
  }
}

/** One record without keeping a featurizer (tests, one-offs). */
export function outageRecord(s: ScenarioState, screen: DcScreen, k: number, opts: FeatureOptions = defaultFeatureOptions): Float32Array {
  return new OutageFeaturizer(s, screen, opts).record(k);
}

/** Loading of branch e with dp (p.u.) more real power flowing from its from end, reactive flows unchanged. */
export function estimatedLoading(s: ScenarioState, e: number, dp: number): number {
  return branchLoading(s.pf[e] + dp, s.qf[e], s.pt[e] - dp, s.qt[e], s.net.baseMVA, s.net.rateA[e]);
}

/** What identifies a grid for a trained model: buses and branches in internal order. */
export interface GridSignature {
  caseName: string;
  nb: number;
  nl: number;
  /** External bus numbers, internal order. */
  bus: number[];
  /** Per in-service branch: case row (1-based), from and to bus numbers. */
  branchRow: number[];
  from: number[];
  to: number[];
}

export function gridSignature(net: Network): GridSignature {
  return {
    caseName: net.caseName,
    nb: net.nb,
    nl: net.nl,
    bus: Array.from(net.busNumber),
    branchRow: Array.from(net.branchRow, (r) => r + 1),
    from: Array.from(net.f, (i) => net.busNumber[i]),
    to: Array.from(net.t, (i) => net.busNumber[i]),
  };
}

/** Why a network does not match a signature, or null when it does. */
export function signatureMismatch(sig: GridSignature, net: Network): string | null {
  if (net.nb !== sig.nb) return `it has ${net.nb} in-service buses, the model's grid (${sig.caseName}) has ${sig.nb}`;
  if (net.nl !== sig.nl) return `it has ${net.nl} in-service branches, the model's grid (${sig.caseName}) has ${sig.nl}`;
  for (let i = 0; i < sig.nb; i++) {
    if (net.busNumber[i] !== sig.bus[i]) return `bus ${i + 1} in order is number ${net.busNumber[i]}, the model's grid has ${sig.bus[i]} there`;
  }
  for (let k = 0; k < sig.nl; k++) {
    const f = net.busNumber[net.f[k]], t = net.busNumber[net.t[k]];
    if (net.branchRow[k] + 1 !== sig.branchRow[k] || f !== sig.from[k] || t !== sig.to[k]) {
      return `branch row ${net.branchRow[k] + 1} joins buses ${f}-${t}; the model's grid has row ${sig.branchRow[k]} joining ${sig.from[k]}-${sig.to[k]}`;
    }
  }
  return null;
}
