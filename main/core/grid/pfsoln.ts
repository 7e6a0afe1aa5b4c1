// pfsoln: from solved voltages to generator outputs and branch flows, as
// MATPOWER reports them (Qg split among generators of a bus equally, then in
// proportion to their reactive ranges; reference generator picks up P).

import type { Network } from './network';
import { branchFlows, type Ybus } from './ybus';

export interface PfSolution {
  /** Per in-service gen (internal order), p.u. */
  Pg: Float64Array;
  Qg: Float64Array;
  /** Per in-service branch (internal order), p.u. */
  pf: Float64Array; qf: Float64Array; pt: Float64Array; qt: Float64Array;
}

/** Complex injection S_i = V_i conj((Ybus V)_i) of bus i, p.u. */
export function injection(y: Ybus, Vr: Float64Array, Vi: Float64Array, i: number): [number, number] {
  let ir = 0, ii = 0;
  for (let s = y.rowPtr[i]; s < y.rowPtr[i + 1]; s++) {
    const j = y.colIdx[s];
    ir += y.G[s] * Vr[j] - y.B[s] * Vi[j];
    ii += y.G[s] * Vi[j] + y.B[s] * Vr[j];
  }
  return [Vr[i] * ir + Vi[i] * ii, Vi[i] * ir - Vr[i] * ii];
}

/**
 * @param genOn  which in-service gens take part (1) — gens fixed at a Q limit
 *               or cut off in an island are 0 and keep their given Pg/Qg.
 * @param Qd     bus reactive load (p.u.) including fixed gens as negative load.
 * @param ref    reference bus whose first generator takes the slack P.
 */
export function pfsoln(
  net: Network, y: Ybus, Vm: Float64Array, Va: Float64Array,
  opts: { genOn?: Uint8Array; Pd?: Float64Array; Qd?: Float64Array; ref?: number; Pg?: Float64Array; Qg?: Float64Array } = {},
): PfSolution {
  const nb = net.nb, ng = net.ng;
  const Vr = new Float64Array(nb), Vi = new Float64Array(nb);
  for (let i = 0; i < nb; i++) { Vr[i] = Vm[i] * Math.cos(Va[i]); Vi[i] = Vm[i] * Math.sin(Va[i]); }
  const Pd = opts.Pd ?? net.Pd, Qd = opts.Qd ?? net.Qd, ref = opts.ref ?? net.ref;
  const genOn = opts.genOn;
  const Pg = Float64Array.from(opts.Pg ?? net.Pg), Qg = Float64Array.from(opts.Qg ?? net.Qg);

  // Total Q at each generator bus, then split.
  const nAt = new Int32Array(nb), qminAt = new Float64Array(nb), qmaxAt = new Float64Array(nb);
  const qInj = new Float64Array(nb), pInj = new Float64Array(nb), seen = new Uint8Array(nb);
  for (let k = 0; k < ng; k++) {
    if (genOn && !genOn[k]) continue;
    const i = net.genBus[k];
    if (!seen[i]) { seen[i] = 1; [pInj[i], qInj[i]] = injection(y, Vr, Vi, i); }
    nAt[i]++; qminAt[i] += net.Qmin[k]; qmaxAt[i] += net.Qmax[k];
  }
  for (let k = 0; k < ng; k++) {
    if (genOn && !genOn[k]) continue;
    const i = net.genBus[k];
    const qTot = qInj[i] + Qd[i]; // inj Q + local Qd
    if (nAt[i] === 1) { Qg[k] = qTot; continue; }
    // MATPOWER: equal split, then by reactive range (eps guards a zero range);
    // a bus whose total range is zero keeps the equal split.
    if (qminAt[i] === qmaxAt[i]) Qg[k] = qTot / nAt[i];
    else Qg[k] = net.Qmin[k] + ((qTot - qminAt[i]) / (qmaxAt[i] - qminAt[i] + Number.EPSILON)) * (net.Qmax[k] - net.Qmin[k]);
  }
  // Reference generator(s): the first takes the slack, less the others' output.
  let first = -1;
  for (let k = 0; k < ng; k++) {
    if ((genOn && !genOn[k]) || net.genBus[k] !== ref) continue;
    if (first < 0) { first = k; Pg[k] = pInj[ref] + Pd[ref]; } else Pg[first] -= Pg[k];
  }
  const nl = net.nl;
  const flows = { pf: new Float64Array(nl), qf: new Float64Array(nl), pt: new Float64Array(nl), qt: new Float64Array(nl) };
  branchFlows(net, y, Vr, Vi, flows);
  return { Pg, Qg, ...flows };
}
