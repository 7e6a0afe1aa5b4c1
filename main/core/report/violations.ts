// The violations behind a verdict: a stored record keeps counts and the worst
// branch only, so the report solves the few worst outages again (the same
// engine, the same base case, the same rules) and lists every counted
// overload and voltage violation with its flow, rating, limit and change from
// the base case. The counting thresholds are the engine's own (BaseState's
// overloadAbove/overVAbove/underVAbove, from limits.ts), never retyped.

import type { BaseState, N1Engine } from '../grid/contingency';
import { isOverloaded, isRated, isViolation, overloadThreshold } from '../grid/limits';
import type { DcScreen } from '../grid/lodf';
import { solved, type OutageState } from '../grid/post-outage';
import type { BranchViolation, ReportBaseCase, VoltageViolation } from './types';

export interface OutageViolations {
  overloads: BranchViolation[];
  voltages: VoltageViolation[];
  /** Per case branch row: loading after the outage, NaN where not judged (for the map). */
  loadingByRow: Float64Array;
  /** Per case bus row: a counted voltage violation. */
  violatedBusRow: Uint8Array;
}

/** Every counted violation of an AC outage (branch or generator row, 1-based). */
export function acViolations(e: N1Engine, kind: 'branch' | 'gen', row: number): OutageViolations {
  const net = e.net;
  let st: OutageState;
  if (kind === 'branch') st = e.branchOutageState(row);
  else {
    const g = net.genOfRow[row - 1];
    if (!(g >= 0)) throw new RangeError(`generator ${row} is not in service`);
    st = e.outages.gen(g);
  }
  const loadingByRow = new Float64Array(e.c.branch.length).fill(NaN);
  const violatedBusRow = new Uint8Array(e.c.bus.length);
  if (!solved(st)) return { overloads: [], voltages: [], loadingByRow, violatedBusRow };
  const base = e.base;
  const overloads: BranchViolation[] = [];
  for (let k = 0; k < net.nl; k++) {
    const L = st.loading[k];
    loadingByRow[net.branchRow[k]] = L;
    if (L >= 0 && L > base.overloadAbove[k]) overloads.push(branchViolation(e, k, L, base.loading[k]));
  }
  const Vm = st.newton!.Vm;
  const voltages: VoltageViolation[] = [];
  for (let i = 0; i < net.nb; i++) {
    if (st.active && !st.active[i]) continue;
    const over = Vm[i] - net.Vmax[i], under = net.Vmin[i] - Vm[i];
    const high = over > base.overVAbove[i];
    if (!high && !(under > base.underVAbove[i])) continue;
    violatedBusRow[net.busRow[i]] = 1;
    voltages.push({ bus: net.busNumber[i], kind: high ? 'high' : 'low', vm: Vm[i], limit: high ? net.Vmax[i] : net.Vmin[i], baseVm: base.Vm[i] });
  }
  return { overloads: sortOverloads(overloads), voltages: sortVoltages(voltages), loadingByRow, violatedBusRow };
}

/** Every counted overload of a DC-LODF outage (branch row, 1-based). DC has no voltages. */
export function dcViolations(screen: DcScreen, row: number, caseBranches: number): OutageViolations {
  const net = screen.net;
  const k0 = net.branchOfRow[row - 1];
  const flows = new Float64Array(net.nl);
  const active = screen.outageFlows(k0, flows);
  const loadingByRow = new Float64Array(caseBranches).fill(NaN);
  const overloads: BranchViolation[] = [];
  for (let k = 0; k < net.nl; k++) {
    if (k === k0 || !isRated(net.rateA[k]) || (active && !(active[net.f[k]] && active[net.t[k]]))) continue;
    const L = (Math.abs(flows[k]) * net.baseMVA) / net.rateA[k];
    if (!Number.isFinite(L)) continue;
    loadingByRow[net.branchRow[k]] = L;
    const L0 = screen.loading0[k];
    if (L > overloadThreshold(L0)) {
      overloads.push({ branch: net.branchRow[k] + 1, from: net.busNumber[net.f[k]], to: net.busNumber[net.t[k]], flowMVA: L * net.rateA[k], rateMVA: net.rateA[k], loading: L, baseLoading: L0, change: L - L0 });
    }
  }
  return { overloads: sortOverloads(overloads), voltages: [], loadingByRow, violatedBusRow: new Uint8Array(0) };
}

/** The solved base case's own violations, listed apart in the report. */
export function acBaseCase(e: N1Engine): ReportBaseCase {
  const net = e.net, base: BaseState = e.base;
  const overloads: BranchViolation[] = [];
  for (let k = 0; k < net.nl; k++) if (isOverloaded(base.loading[k])) overloads.push(branchViolation(e, k, base.loading[k], base.loading[k]));
  const voltages: VoltageViolation[] = [];
  for (let i = 0; i < net.nb; i++) {
    if (isViolation(base.overV[i])) voltages.push({ bus: net.busNumber[i], kind: 'high', vm: base.Vm[i], limit: net.Vmax[i], baseVm: base.Vm[i] });
    else if (isViolation(base.underV[i])) voltages.push({ bus: net.busNumber[i], kind: 'low', vm: base.Vm[i], limit: net.Vmin[i], baseVm: base.Vm[i] });
  }
  return { converged: true, iterations: base.iterations, maxLoading: base.maxLoading, overloads: sortOverloads(overloads), voltages: sortVoltages(voltages) };
}

export function dcBaseCase(screen: DcScreen): ReportBaseCase {
  const net = screen.net;
  const overloads: BranchViolation[] = [];
  for (let k = 0; k < net.nl; k++) {
    const L = screen.loading0[k];
    if (isOverloaded(L)) overloads.push({ branch: net.branchRow[k] + 1, from: net.busNumber[net.f[k]], to: net.busNumber[net.t[k]], flowMVA: L * net.rateA[k], rateMVA: net.rateA[k], loading: L, baseLoading: L, change: 0 });
  }
  return { converged: true, iterations: 0, maxLoading: screen.base.maxLoading, overloads: sortOverloads(overloads), voltages: [] };
}

function branchViolation(e: N1Engine, k: number, L: number, L0: number): BranchViolation {
  const net = e.net;
  return { branch: net.branchRow[k] + 1, from: net.busNumber[net.f[k]], to: net.busNumber[net.t[k]], flowMVA: L * net.rateA[k], rateMVA: net.rateA[k], loading: L, baseLoading: L0, change: L - L0 };
}

const sortOverloads = (v: BranchViolation[]) => v.sort((a, b) => b.loading - a.loading || a.branch - b.branch);
/** Farthest beyond its limit first. */
const sortVoltages = (v: VoltageViolation[]) => v.sort((a, b) => Math.abs(b.vm - b.limit) - Math.abs(a.vm - a.limit) || a.bus - b.bus);
