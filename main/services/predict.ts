// Apply a stored surrogate to an operating point of its grid: solve the base
// case, decide islanding by topology, and predict every other branch outage
// with incremental inference (the base graph once, then only each outage's
// neighbourhood). Verdicts:
//   islanded               decided by topology (pInsecure 1, no loading)
//   secure                 pInsecure below the model's threshold
//   overload / voltage / overload+voltage
//                          pInsecure at or above the threshold, named by which
//                          predicted margins (loading vs its counting limit,
//                          Vm vs its limits) are positive
//   insecure               pInsecure at or above the threshold with no
//                          predicted margin positive
// maxLoading is the predicted highest post-contingency loading of a present branch.

import type { Case } from '../core/grid/case';
import { N1Engine } from '../core/grid/contingency';
import { OutageFeaturizer, scenarioState, signatureMismatch, staticFeatures } from '../core/grid/features';
import { DcScreen } from '../core/grid/lodf';
import { compile } from '../core/grid/network';
import { gridTopology, islandedByTopology } from '../core/grid/post-outage';
import { EDGE_FEAT_DIM, NODE_FEAT_DIM, SurrogateFeatures } from '../core/learn/grid-data';
import type { GraphNet } from '../core/learn/gnn';
import { IncrementalPredictor } from '../core/learn/incremental';
import { deserializeModel, type Blob } from '../core/learn/serialize';
import type { Store } from '../store';
import type { SurrogateModelConfig } from './train';

export class PredictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PredictError';
  }
}

export type PredictedVerdict = 'islanded' | 'secure' | 'insecure' | 'overload' | 'voltage' | 'overload+voltage';

export interface PredictedContingency {
  /** 1-based case branch row. */
  branch: number;
  from: number;
  to: number;
  verdict: PredictedVerdict;
  pInsecure: number;
  /** Predicted highest post-contingency loading (null for islanded). */
  maxLoading: number | null;
}

export interface LoadedSurrogate {
  id: number;
  name: string;
  config: SurrogateModelConfig;
  model: GraphNet;
}

export function loadSurrogate(store: Store, id: number): LoadedSurrogate {
  const m = store.models.get(id);
  if (!m) throw new PredictError(`model ${id} is not in ${store.path}`);
  const config = m.config as SurrogateModelConfig;
  if (config?.format !== 'gridrewire-n1-surrogate') throw new PredictError(`model ${id} is not an N-1 surrogate (trained by 'gridrewire train')`);
  const dims = config.model as { model?: { nodeFeatDim?: number; edgeFeatDim?: number } };
  if (dims.model?.nodeFeatDim !== NODE_FEAT_DIM || dims.model?.edgeFeatDim !== EDGE_FEAT_DIM) {
    throw new PredictError(`model ${id} was trained with another feature layout (${dims.model?.nodeFeatDim}/${dims.model?.edgeFeatDim} bus/branch features, this version uses ${NODE_FEAT_DIM}/${EDGE_FEAT_DIM}): train it again`);
  }
  const tensors = store.models.getTensors(id);
  const blobs: Blob[] = [...tensors].map(([name, data]) => ({ name, data: data as Float32Array | Int32Array }));
  return { id, name: m.name, config, model: deserializeModel(config.model, blobs) };
}

export interface PredictOutcome {
  caseName: string;
  modelId: number;
  threshold: number;
  contingencies: PredictedContingency[];
  /** Seconds: base solve + features (DC-LODF) and the network's inference. */
  seconds: { base: number; features: number; inference: number; total: number };
}

/** Predicts every in-service branch outage of case `c` with a loaded surrogate. */
export function predictCase(s: LoadedSurrogate, c: Case): PredictOutcome {
  const t0 = performance.now();
  const net = compile(c);
  const why = signatureMismatch(s.config.grid, net);
  if (why) throw new PredictError(`case ${c.name} is not the grid model ${s.id} was trained on: ${why}`);
  const engine = new N1Engine(c);
  const state = scenarioState(engine);
  const stat = staticFeatures(state);
  const t1 = performance.now();
  const feats = new SurrogateFeatures(net.nb, net.nl, net.f, net.t, s.config.normaliser);
  const base = feats.base(stat);
  const islanded = islandedByTopology(net, gridTopology(net));
  const featurizer = new OutageFeaturizer(state, new DcScreen(net), s.config.features);
  const records: Float32Array[] = [];
  for (let k = 0; k < net.nl; k++) records.push(islanded[k] ? Float32Array.of(k, 0) : featurizer.record(k));
  const t2 = performance.now();
  const inc = new IncrementalPredictor(s.model, feats.graph, base);
  const th = s.config.threshold;
  const out: PredictedContingency[] = [];
  for (let k = 0; k < net.nl; k++) {
    const id = { branch: net.branchRow[k] + 1, from: net.busNumber[net.f[k]], to: net.busNumber[net.t[k]] };
    if (islanded[k]) {
      out.push({ ...id, verdict: 'islanded', pInsecure: 1, maxLoading: null });
      continue;
    }
    const r = inc.predict(feats.delta(base, stat, records[k]));
    const p = r.prob ?? 0;
    let verdict: PredictedVerdict = 'secure';
    if (p >= th) {
      const over = r.maxEdgeMargin > 0;
      const volt = r.upperMargin > 0 || r.lowerMargin < 0;
      verdict = over && volt ? 'overload+voltage' : over ? 'overload' : volt ? 'voltage' : 'insecure';
    }
    out.push({ ...id, verdict, pInsecure: p, maxLoading: Number.isFinite(r.maxEdge) ? r.maxEdge : null });
  }
  const t3 = performance.now();
  return {
    caseName: c.name, modelId: s.id, threshold: th, contingencies: rankPredictions(out),
    seconds: { base: (t1 - t0) / 1000, features: (t2 - t1) / 1000, inference: (t3 - t2) / 1000, total: (t3 - t0) / 1000 },
  };
}

/** Islanded first, then by probability of insecurity, then by predicted loading. */
export function rankPredictions(list: PredictedContingency[]): PredictedContingency[] {
  const rank = (v: PredictedVerdict) => (v === 'islanded' ? 0 : 1);
  return [...list].sort((a, b) => rank(a.verdict) - rank(b.verdict) || b.pInsecure - a.pInsecure || (b.maxLoading ?? 0) - (a.maxLoading ?? 0) || a.branch - b.branch);
}

export function predictWithStore(store: Store, modelId: number, c: Case): PredictOutcome {
  return predictCase(loadSurrogate(store, modelId), c);
}
