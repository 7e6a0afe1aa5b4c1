// runPowerFlow: the base-case solve the CLI, the N-1 engine and the dataset
// builder start from. AC (Newton, optional generator Q-limit enforcement by
// PV->PQ switching, as MATPOWER runpf with ENFORCE_Q_LIMS) or DC. Results are
// given per case row, in the file's units.

import type { Case } from './case';
import { compile, type Network } from './network';
import { AcSolver, makeSbus, startPoint, type NewtonStatus } from './acpf';
import { pfsoln } from './pfsoln';
import { dcPowerFlow } from './dcpf';
import { VM, VA } from './idx';

export interface PowerFlowOptions {
  dc?: boolean;
  enforceQLimits?: boolean;
  tol?: number;
  maxIt?: number;
}

export interface PowerFlowResult {
  mode: 'ac' | 'dc';
  converged: boolean;
  status: NewtonStatus;
  iterations: number;
  mismatch: number;
  seconds: number;
  /** Per case bus row: magnitude (p.u.) and angle (degrees). */
  vm: Float64Array; va: Float64Array;
  /** Per case branch row (MW, MVAr); 0 for out-of-service branches. */
  pf: Float64Array; qf: Float64Array; pt: Float64Array; qt: Float64Array;
  /** Per case gen row (MW, MVAr); 0 for out-of-service generators. */
  pg: Float64Array; qg: Float64Array;
  /** Gen rows (0-based) fixed at a reactive limit when enforcing Q limits. */
  qLimited: number[];
  /** Internal solution, for callers that go on (N-1, datasets). */
  internal: { net: Network; Vm: Float64Array; Va: Float64Array; solver?: AcSolver };
}

export function runPowerFlow(c: Case, opts: PowerFlowOptions = {}): PowerFlowResult {
  const t0 = performance.now();
  const net = compile(c);
  return opts.dc ? finishDc(c, net, t0) : solveAc(c, net, opts, t0);
}

function solveAc(c: Case, net: Network, opts: PowerFlowOptions, t0: number): PowerFlowResult {
  const nopts = { tol: opts.tol, maxIt: opts.maxIt }; // AcSolver's defaults: the spec's tolerance and cap
  let { Vm, Va } = startPoint(net);
  let solver = new AcSolver(net);
  const { Pbus, Qbus } = makeSbus(net);
  let res = solver.solve({ Vm, Va, Pbus, Qbus }, nopts);
  let iterations = res.iterations;
  const genOn = new Uint8Array(net.ng).fill(1);
  const Qfixed = Float64Array.from(net.Qg);
  const Qd = Float64Array.from(net.Qd);
  let ref = net.ref;
  const qLimited: number[] = [];
  if (opts.enforceQLimits && res.converged) {
    // MATPOWER runpf: fix every violating generator at its limit, turn its
    // bus to PQ (its Q becomes negative load), re-solve warm; repeat.
    const type = Int8Array.from(net.busType);
    for (let round = 0; round < net.ng + 1 && res.converged; round++) {
      const sol = pfsoln(net, solver.ybus, res.Vm, res.Va, { genOn, Qd, ref });
      const viol: number[] = [];
      for (let k = 0; k < net.ng; k++) {
        if (!genOn[k] || type[net.genBus[k]] === 1) continue;
        if (sol.Qg[k] > net.Qmax[k] + 1e-12 || sol.Qg[k] < net.Qmin[k] - 1e-12) viol.push(k);
      }
      if (viol.length === 0) break;
      for (const k of viol) {
        const q = sol.Qg[k] > net.Qmax[k] ? net.Qmax[k] : net.Qmin[k];
        genOn[k] = 0; Qfixed[k] = q; Qd[net.genBus[k]] -= q;
        qLimited.push(net.genRow[k]);
      }
      // Buses left without a regulating generator become PQ.
      const regulating = new Uint8Array(net.nb);
      for (let k = 0; k < net.ng; k++) if (genOn[k]) regulating[net.genBus[k]] = 1;
      const pv: number[] = [], pq: number[] = [];
      for (let i = 0; i < net.nb; i++) if (type[i] !== 1 && !regulating[i]) type[i] = 1;
      if (type[ref] === 1) {
        const next = [...net.pv].find((i) => type[i] === 2);
        if (next === undefined) { res = { ...res, converged: false, status: 'max-iterations' }; break; }
        ref = next; type[ref] = 3;
      }
      for (let i = 0; i < net.nb; i++) { if (type[i] === 2) pv.push(i); else if (type[i] === 1) pq.push(i); }
      solver = new AcSolver(net, Int32Array.from(pv), Int32Array.from(pq), solver.ybus);
      const Qb = Float64Array.from(Qbus);
      for (let k = 0; k < net.ng; k++) if (!genOn[k]) Qb[net.genBus[k]] += Qfixed[k] - net.Qg[k];
      res = solver.solve({ Vm: res.Vm, Va: res.Va, Pbus, Qbus: Qb }, nopts);
      iterations += res.iterations;
    }
  }
  const sol = pfsoln(net, solver.ybus, res.Vm, res.Va, { genOn, Qd, ref, Qg: Qfixed });
  const out = emptyResult(c, net, 'ac', t0);
  out.converged = res.converged; out.status = res.status; out.iterations = iterations; out.mismatch = res.mismatch;
  out.qLimited = qLimited;
  out.internal = { net, Vm: res.Vm, Va: res.Va, solver };
  const base = net.baseMVA;
  for (let i = 0; i < net.nb; i++) { out.vm[net.busRow[i]] = res.Vm[i]; out.va[net.busRow[i]] = (res.Va[i] * 180) / Math.PI; }
  for (let k = 0; k < net.nl; k++) {
    const r = net.branchRow[k];
    out.pf[r] = sol.pf[k] * base; out.qf[r] = sol.qf[k] * base; out.pt[r] = sol.pt[k] * base; out.qt[r] = sol.qt[k] * base;
  }
  for (let k = 0; k < net.ng; k++) { out.pg[net.genRow[k]] = sol.Pg[k] * base; out.qg[net.genRow[k]] = sol.Qg[k] * base; }
  out.seconds = (performance.now() - t0) / 1000;
  return out;
}

function finishDc(c: Case, net: Network, t0: number): PowerFlowResult {
  const dc = dcPowerFlow(net);
  const out = emptyResult(c, net, 'dc', t0);
  out.converged = true; out.status = 'converged'; out.iterations = 1; out.mismatch = 0;
  out.internal = { net, Vm: new Float64Array(net.nb).fill(1), Va: dc.Va };
  const base = net.baseMVA;
  for (let i = 0; i < net.nb; i++) { out.vm[net.busRow[i]] = 1; out.va[net.busRow[i]] = (dc.Va[i] * 180) / Math.PI; }
  for (let k = 0; k < net.nl; k++) {
    const r = net.branchRow[k];
    out.pf[r] = dc.Pf[k] * base; out.pt[r] = -dc.Pf[k] * base;
  }
  // The reference generator picks up the DC balance.
  const Pg = Float64Array.from(net.Pg);
  let refGen = -1;
  for (let k = 0; k < net.ng; k++) if (net.genBus[k] === net.ref) { refGen = k; break; }
  if (refGen >= 0) {
    let inj = 0; // P injected at the reference bus by its branches
    for (let k = 0; k < net.nl; k++) {
      if (net.f[k] === net.ref) inj += dc.Pf[k];
      if (net.t[k] === net.ref) inj -= dc.Pf[k];
    }
    let others = 0;
    for (let k = 0; k < net.ng; k++) if (k !== refGen && net.genBus[k] === net.ref) others += Pg[k];
    Pg[refGen] = inj + net.Pd[net.ref] + net.Gs[net.ref] - others;
  }
  for (let k = 0; k < net.ng; k++) out.pg[net.genRow[k]] = Pg[k] * base;
  out.seconds = (performance.now() - t0) / 1000;
  return out;
}

function emptyResult(c: Case, net: Network, mode: 'ac' | 'dc', t0: number): PowerFlowResult {
  const nb = c.bus.length, nl = c.branch.length, ng = c.gen.length;
  const vm = new Float64Array(nb), va = new Float64Array(nb);
  // Isolated (type 4) buses keep the case's values, as MATPOWER reports them.
  for (let i = 0; i < nb; i++) { vm[i] = c.bus[i][VM]; va[i] = c.bus[i][VA]; }
  return {
    mode, converged: false, status: 'max-iterations', iterations: 0, mismatch: Infinity, seconds: (performance.now() - t0) / 1000,
    vm, va, pf: new Float64Array(nl), qf: new Float64Array(nl), pt: new Float64Array(nl), qt: new Float64Array(nl),
    pg: new Float64Array(ng), qg: new Float64Array(ng), qLimited: [], internal: { net, Vm: net.Vm0, Va: net.Va0 },
  };
}
