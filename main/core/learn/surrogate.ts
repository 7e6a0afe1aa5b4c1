// The N-1 surrogate on top of the generic learning core: its default
// architecture and loss, evaluation on dataset samples (verdict metrics at a
// decision threshold, branch-loading and voltage errors, the DC-LODF screen's
// metrics on the same samples), and the choice of the decision threshold on
// validation data so that insecure outages are not missed.

import { layerSpecs, resolveGraphNet, type GraphNet, type GraphNetConfig } from './gnn';
import { layerConnectionCounts, layerDensities } from './density';
import { type Confusion, accuracy, balancedAccuracy, confusion, parameterCounts, precision, recall } from './metrics';
import { EDGE_FEAT_DIM, L_DCINSECURE, L_INSECURE, LH, NODE_FEAT_DIM, type SurrogateSamples } from './grid-data';
import type { LossConfig } from './loss';
import { IncrementalPredictor } from './incremental';
import type { KernelChoice } from './kernels';

/** Architecture that trains in minutes on two cores for grids of a few hundred buses. */
export const surrogateModel = (over: Partial<GraphNetConfig> = {}): Partial<GraphNetConfig> & Pick<GraphNetConfig, 'nodeFeatDim' | 'edgeFeatDim'> => ({
  nodeFeatDim: NODE_FEAT_DIM,
  edgeFeatDim: EDGE_FEAT_DIM,
  hidden: 48,
  layers: 3,
  headHidden: 48,
  residual: true,
  heads: { edge: true, node: true, graph: true },
  predPoolGain: 100,
  ...over,
});

/**
 * The readout of a model trained on AC-step records (features.ts): the
 * verdict head also reads the estimate's own margins (gnn.ts offsetPool),
 * sharp enough for a thousandth of a margin. On case_ACTIVSg2000 (20 x 500
 * outages, 8 epochs) it lifted stressed balanced accuracy from 0.85 to 0.99:
 * the heads' learned corrections carry their base-point errors into every
 * outage of an operating point, the estimate does not. DC-LODF estimates
 * are too coarse for it (case_ACTIVSg200: recall 0.994 fell to 0.982), so
 * their models keep the readout they had.
 */
export const acStepReadout: Partial<GraphNetConfig> = { offsetPool: true, offsetPoolGain: 3000 };

/**
 * The hidden-layer sparsity that keeps at most (1 - overall) of the dense
 * model's parameters when biases and the dense scalar readouts are counted
 * too (what 'parameters kept' reports): "90% sparse" then means at most 10%
 * of the dense parameter count, not 10% of the hidden weights plus the rest.
 */
export function hiddenSparsityFor(cfg: Partial<GraphNetConfig> & Pick<GraphNetConfig, 'nodeFeatDim' | 'edgeFeatDim'>, overall: number): number {
  if (!(overall > 0)) return 0;
  const c = resolveGraphNet({ ...cfg, sparsity: 0.5 });
  const specs = layerSpecs(c);
  const hidden = specs.filter((x) => !x.readout);
  let dense = 0, fixed = 0, hiddenW = 0;
  for (const x of specs) {
    dense += x.nIn * x.nOut + x.nOut;
    fixed += x.nOut + (x.readout ? x.nIn * x.nOut : 0);
    if (!x.readout) hiddenW += x.nIn * x.nOut;
  }
  const budget = (1 - overall) * dense - fixed;
  // Biases and readouts alone above the budget (e.g. 99% of a small model): the hidden layers get `overall`.
  if (!(budget > 0.5 * (1 - overall) * hiddenW)) return overall;
  let s = Math.min(0.999, 1 - budget / hiddenW);
  // ERK rounding can add a few connections: step up until the count fits.
  for (let i = 0; i < 50; i++) {
    const kept = layerConnectionCounts(hidden, layerDensities(hidden, s, c.density)).reduce((a, b) => a + b, 0);
    if (kept <= budget) break;
    s = Math.min(0.999, s + 0.0005);
  }
  return s;
}

/** Largest weight of an insecure outage in the verdict loss (the class ratio up to 1% insecure). */
export const POS_WEIGHT_CAP = 100;

/**
 * The verdict loss's class weighting: insecure outages weighted by the class
 * ratio of the training samples (secure / insecure), so that both classes
 * weigh the same in total down to 1% insecure (case_ACTIVSg2000's share),
 * at most POS_WEIGHT_CAP, at least 1. Recorded with the model.
 */
export interface ClassBalance {
  positives: number;
  negatives: number;
  posWeight: number;
  /**
   * How posWeight was set: 'validation' (the best of the pilots in `trials`,
   * class-weight.ts), 'ratio' (the class ratio: a run too short for pilots,
   * or no insecure validation sample) or 'given' (--pos-weight).
   */
  chosenBy?: 'validation' | 'ratio' | 'given';
  /** The pilots' validation figures, one per candidate weight (when chosen on validation). */
  trials?: { posWeight: number; balancedAccuracy: number; recall: number; threshold: number }[];
  /** Optimiser steps of each pilot. */
  pilotSteps?: number;
}

export function classBalance(positives: number, negatives: number, cap = POS_WEIGHT_CAP): ClassBalance {
  const ratio = positives > 0 ? negatives / positives : 1;
  return { positives, negatives, posWeight: Math.min(cap, Math.max(1, ratio)) };
}

/**
 * Loss weights: the verdict's BCE with insecure outages weighted by
 * `posWeight` (default the class ratio, classBalance), the loading
 * regression (errors of a few points of rating matter), and the voltage
 * regression (errors of a few thousandths of a p.u. matter).
 */
export function surrogateLoss(positives: number, negatives: number, cap = POS_WEIGHT_CAP, posWeight?: number): Partial<LossConfig> {
  return { graphWeight: 1, posWeight: posWeight ?? classBalance(positives, negatives, cap).posWeight, edgeWeight: 300, nodeWeight: 3000, regression: 'huber', huberDelta: 0.1 };
}

export interface VerdictMetrics {
  samples: number;
  insecure: number;
  confusion: Confusion;
  accuracy: number;
  balancedAccuracy: number;
  recall: number;
  precision: number;
}

export function verdictMetrics(prob: ArrayLike<number>, label: ArrayLike<number>, threshold: number): VerdictMetrics {
  const c = confusion(prob, label, threshold);
  return { samples: prob.length, insecure: c.tp + c.fn, confusion: c, accuracy: accuracy(c), balancedAccuracy: balancedAccuracy(c), recall: recall(c), precision: precision(c) };
}

export interface SurrogateEvaluation {
  /** Per evaluated sample (dataset index order as given). */
  index: Int32Array;
  prob: Float32Array;
  label: Uint8Array;
  dcLabel: Uint8Array;
  /** Predicted largest post-contingency loading over present branches. */
  maxLoading: Float32Array;
  /** Per sample: sum and count of absolute errors of post-contingency branch loading (rated, present, solved) and bus Vm. */
  loadAbs: Float64Array;
  loadN: Int32Array;
  vmAbs: Float64Array;
  vmN: Int32Array;
}

/** Mean absolute errors of branch loading and bus Vm over the evaluated samples. */
export function regressionErrors(ev: SurrogateEvaluation): { loadingMae: number; vmMae: number } {
  let a = 0, n = 0, va = 0, vn = 0;
  for (let i = 0; i < ev.prob.length; i++) { a += ev.loadAbs[i]; n += ev.loadN[i]; va += ev.vmAbs[i]; vn += ev.vmN[i]; }
  return { loadingMae: n ? a / n : NaN, vmMae: vn ? va / vn : NaN };
}

/**
 * Runs the model over dataset samples (non-islanded ones) by incremental
 * inference, the path `predict` takes (edge and node predictions bit for
 * bit those of the batched forward): one base pass per scenario, taken in
 * the order the indices first name them (a dataset's samples are stored
 * scenario by scenario, so streamed labels are read once each).
 */
export function evaluateSurrogate(model: GraphNet, data: SurrogateSamples, indices: Int32Array, kernels?: KernelChoice): SurrogateEvaluation {
  const n = indices.length, { nb, nl } = data.data;
  const prob = new Float32Array(n), label = new Uint8Array(n), dcLabel = new Uint8Array(n), maxLoading = new Float32Array(n);
  const loadAbs = new Float64Array(n), loadN = new Int32Array(n), vmAbs = new Float64Array(n), vmN = new Int32Array(n);
  const order = Array.from({ length: n }, (_, j) => j);
  const first = new Map<number, number>();
  order.forEach((j) => { const s = data.scenario(indices[j]); if (!first.has(s)) first.set(s, j); });
  order.sort((a, b) => first.get(data.scenario(indices[a]))! - first.get(data.scenario(indices[b]))! || a - b);
  let inc: IncrementalPredictor | null = null, at = -1;
  const edge = new Float32Array(nl), node = new Float32Array(nb);
  for (const i of order) {
    const idx = indices[i], s = data.scenario(idx);
    if (s !== at) {
      if (inc) inc.rebase(data.base(s));
      else inc = new IncrementalPredictor(model, data.graph, data.base(s), { kernels });
      at = s;
    }
    const d = data.delta(idx);
    const r = inc!.predict(d, { edge, node });
    const lab = data.labels(idx);
    prob[i] = r.prob ?? NaN;
    label[i] = lab[L_INSECURE] ? 1 : 0;
    dcLabel[i] = lab[L_DCINSECURE] ? 1 : 0;
    maxLoading[i] = r.argMaxEdge >= 0 ? r.maxEdge : -Infinity;
    if (model.cfg.heads.edge) {
      const removed = new Set(d.removed);
      for (let e = 0; e < nl; e++) {
        if (removed.has(e)) continue;
        const t = lab[LH + e];
        if (Number.isFinite(t)) { loadAbs[i] += Math.abs(edge[e] - t); loadN[i]++; }
      }
    }
    if (model.cfg.heads.node) {
      for (let v = 0; v < nb; v++) {
        const t = lab[LH + nl + v];
        if (Number.isFinite(t)) { vmAbs[i] += Math.abs(node[v] - t); vmN[i]++; }
      }
    }
  }
  return { index: indices, prob, label, dcLabel, maxLoading, loadAbs, loadN, vmAbs, vmN };
}

export interface ParamsSummary {
  kept: number;
  dense: number;
  fraction: number;
}

export function paramsOf(model: GraphNet): ParamsSummary {
  const c = parameterCounts(model.layers);
  return { kept: c.kept, dense: c.dense, fraction: c.fraction };
}

/** Scenario-level view: per scenario, the fraction of its evaluated outages that are insecure. */
export function insecureFractionByScenario(data: SurrogateSamples, ev: SurrogateEvaluation): Map<number, { n: number; insecure: number }> {
  const out = new Map<number, { n: number; insecure: number }>();
  ev.index.forEach((idx, i) => {
    const s = data.data.sampleScenario[idx];
    const r = out.get(s) ?? { n: 0, insecure: 0 };
    r.n++;
    r.insecure += ev.label[i];
    out.set(s, r);
  });
  return out;
}

/** Restricts an evaluation to the samples whose scenario passes `keep`. */
export function subsetEvaluation(data: SurrogateSamples, ev: SurrogateEvaluation, keep: (scenario: number) => boolean): SurrogateEvaluation {
  const sel: number[] = [];
  ev.index.forEach((idx, i) => { if (keep(data.data.sampleScenario[idx])) sel.push(i); });
  const pick = <T extends Float32Array | Float64Array | Uint8Array | Int32Array>(a: T): T => {
    const o = new (a.constructor as new (n: number) => T)(sel.length);
    sel.forEach((i, j) => (o[j] = a[i]));
    return o;
  };
  return {
    index: pick(ev.index), prob: pick(ev.prob), label: pick(ev.label), dcLabel: pick(ev.dcLabel), maxLoading: pick(ev.maxLoading),
    loadAbs: pick(ev.loadAbs), loadN: pick(ev.loadN), vmAbs: pick(ev.vmAbs), vmN: pick(ev.vmN),
  };
}
