// What the exact AC engine says of one branch outage, as ground truth beside
// an explanation: the branches whose flow changed most (|post - pre| of the
// real power at the from end, MW) with the DC screen's LODF and its flow
// change estimate beside them, the overloaded branches and the buses with
// voltage violations, each counted by the spec's rules exactly as the
// verdict counts them (the thresholds of contingency.ts's base state,
// computed by limits.ts).

import type { N1Engine } from './contingency';
import type { ContingencyRecord } from './contingency-types';
import type { DcScreen } from './lodf';
import { solved } from './post-outage';
import { branchAdmittance, branchFlows, type BranchAdmittance } from './ybus';

export interface FlowChange {
  /** Internal branch index. */
  k: number;
  /** Real power entering the branch at its from end before and after the outage (MW). */
  preMW: number;
  postMW: number;
  deltaMW: number;
  /** LODF(k, outaged) and the DC screen's flow change LODF x (AC flow of the outaged branch), MW; null for a bridge. */
  lodf: number | null;
  dcDeltaMW: number | null;
}

export interface Overload {
  k: number;
  loading: number;
  /** The loading above which it counts (1, or its base loading + 0.01 when already overloaded). */
  countsAbove: number;
}

export interface VoltageViolation {
  /** Internal bus index. */
  bus: number;
  vm: number;
  kind: 'high' | 'low';
  /** The limit it is judged against (Vmax or Vmin). */
  limit: number;
}

export interface OutagePhysics {
  /** Internal index of the outaged branch. */
  k: number;
  record: ContingencyRecord;
  /** Every branch of the main island but the outaged one, largest |deltaMW| first; empty when nothing was solved. */
  flowChange: FlowChange[];
  /** Counted overloads, most loaded first. */
  overloaded: Overload[];
  voltage: VoltageViolation[];
}

export class OutagePhysicsEngine {
  private readonly y: BranchAdmittance;
  /** Base-case real power at the from end (p.u.) and the flow through each branch (average of its ends), as the features take it. */
  private readonly pf0: Float64Array;
  private readonly through0: Float64Array;
  private readonly lodf: Float64Array;

  constructor(readonly engine: N1Engine, readonly screen: DcScreen) {
    const net = engine.net;
    this.y = branchAdmittance(net);
    const { Vr, Vi } = rect(engine.base.Vm, engine.base.Va);
    const fl = flows(net.nl);
    branchFlows(net, this.y, Vr, Vi, fl);
    this.pf0 = fl.pf;
    this.through0 = Float64Array.from(fl.pf, (p, k) => (p - fl.pt[k]) / 2);
    this.lodf = new Float64Array(net.nl);
  }

  /** The exact post-outage picture of internal branch k. */
  outage(k: number): OutagePhysics {
    const { engine } = this;
    const net = engine.net, base = engine.base, mva = net.baseMVA;
    const row = net.branchRow[k] + 1;
    const st = engine.outages.branch(k);
    const record = engine.branchRecord(row, st);
    const flowChange: FlowChange[] = [];
    const overloaded: Overload[] = [];
    const voltage: VoltageViolation[] = [];
    if (solved(st)) {
      const n = st.newton!, active = st.active;
      const { Vr, Vi } = rect(n.Vm, n.Va);
      const fl = flows(net.nl);
      branchFlows(net, this.y, Vr, Vi, fl);
      const bridge = !this.screen.lodfColumn(k, this.lodf);
      for (let e = 0; e < net.nl; e++) {
        if (e === k || (active && !(active[net.f[e]] && active[net.t[e]]))) continue;
        const pre = this.pf0[e] * mva, post = fl.pf[e] * mva;
        flowChange.push({
          k: e, preMW: pre, postMW: post, deltaMW: post - pre,
          lodf: bridge ? null : this.lodf[e], dcDeltaMW: bridge ? null : this.lodf[e] * this.through0[k] * mva,
        });
        const L = st.loading[e];
        if (L > base.overloadAbove[e]) overloaded.push({ k: e, loading: L, countsAbove: base.overloadAbove[e] });
      }
      flowChange.sort((a, b) => Math.abs(b.deltaMW) - Math.abs(a.deltaMW) || a.k - b.k);
      overloaded.sort((a, b) => b.loading - a.loading || a.k - b.k);
      for (let i = 0; i < net.nb; i++) {
        if (active && !active[i]) continue;
        const v = n.Vm[i];
        if (v - net.Vmax[i] > base.overVAbove[i]) voltage.push({ bus: i, vm: v, kind: 'high', limit: net.Vmax[i] });
        else if (net.Vmin[i] - v > base.underVAbove[i]) voltage.push({ bus: i, vm: v, kind: 'low', limit: net.Vmin[i] });
      }
    }
    return { k, record, flowChange, overloaded, voltage };
  }
}

function rect(Vm: Float64Array, Va: Float64Array): { Vr: Float64Array; Vi: Float64Array } {
  const Vr = new Float64Array(Vm.length), Vi = new Float64Array(Vm.length);
  for (let i = 0; i < Vm.length; i++) { Vr[i] = Vm[i] * Math.cos(Va[i]); Vi[i] = Vm[i] * Math.sin(Va[i]); }
  return { Vr, Vi };
}

const flows = (nl: number) => ({ pf: new Float64Array(nl), qf: new Float64Array(nl), pt: new Float64Array(nl), qt: new Float64Array(nl) });
