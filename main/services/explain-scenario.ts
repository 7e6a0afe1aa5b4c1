// A dataset scenario as a case again: the dataset keeps each scenario's
// solved operating point as static features (core/grid/features.ts), not
// its case, so the case is rebuilt from them: each in-service bus's load
// (Pd, Qd) and generation (the solved Pg at the bus, shared among its
// generators in proportion to their case dispatch; the reference bus's is
// the slack and comes out of the solve). Features are float32, so the
// rebuilt point differs from the labelled one in the seventh digit; it is
// solved again and compared with what the dataset kept, and refused when it
// does not reproduce it (a dataset whose scenarios moved anything else).

import type { Case } from '../core/grid/case';
import { PD, PG, QD } from '../core/grid/idx';
import { NS, scenarioState, staticFeatures } from '../core/grid/features';
import { N1Engine } from '../core/grid/contingency';
import { compile } from '../core/grid/network';

export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioError';
  }
}

/** Largest difference of a rebuilt scenario's features from the dataset's, relative to the feature's scale. */
export const REBUILD_TOLERANCE = 1e-4;

export interface RebuiltScenario {
  case: Case;
  /** Largest |feature difference| / max(1, |feature|) against what the dataset kept. */
  mismatch: number;
}

/** The case of one dataset scenario from the grid's case and the scenario's static features. */
export function rebuildScenario(base: Case, stat: Float32Array, what: string): RebuiltScenario {
  const net = compile(base);
  const mva = net.baseMVA;
  const bus = base.bus.map((r) => r.slice()), gen = base.gen.map((r) => r.slice());
  for (let i = 0; i < net.nb; i++) {
    bus[net.busRow[i]][PD] = stat[i * NS] * mva;
    bus[net.busRow[i]][QD] = stat[i * NS + 1] * mva;
  }
  // Solved generation per bus (p.u.: injection + load), shared by the bus's generators as dispatched in the case.
  const at = new Map<number, number[]>();
  for (let g = 0; g < net.ng; g++) {
    const list = at.get(net.genBus[g]);
    if (list) list.push(g); else at.set(net.genBus[g], [g]);
  }
  for (const [i, gs] of at) {
    const total = stat[i * NS + 2] * mva;
    const dispatched = gs.reduce((s, g) => s + Math.max(0, base.gen[net.genRow[g]][PG]), 0);
    for (const g of gs) gen[net.genRow[g]][PG] = dispatched > 0 ? (total * Math.max(0, base.gen[net.genRow[g]][PG])) / dispatched : total / gs.length;
  }
  const c: Case = { ...base, bus, gen };
  let again: Float32Array;
  try {
    again = staticFeatures(scenarioState(N1Engine.forCase(c)));
  } catch (e) {
    throw new ScenarioError(`${what} cannot be rebuilt as a case: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (again.length !== stat.length) throw new ScenarioError(`${what} has ${stat.length} static features, its grid gives ${again.length}`);
  let mismatch = 0;
  for (let j = 0; j < stat.length; j++) mismatch = Math.max(mismatch, Math.abs(again[j] - stat[j]) / Math.max(1, Math.abs(stat[j])));
  if (!(mismatch <= REBUILD_TOLERANCE)) {
    throw new ScenarioError(`${what} cannot be rebuilt from what the dataset kept: the rebuilt operating point differs from it by ${mismatch.toExponential(2)} (relative), more than ${REBUILD_TOLERANCE}`);
  }
  return { case: c, mismatch };
}
