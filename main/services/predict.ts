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
import type { N1Engine } from '../core/grid/contingency';
import { acStepRecords, estimateSettled } from '../core/grid/features';
import { compile, type Network } from '../core/grid/network';
import { gridTopology, islandedByTopology } from '../core/grid/islands';
import { CasePredictor, checkGrid, PredictError, type RawPrediction, type SurrogateModelConfig } from '../core/learn/case-predictor';
import { LearnError } from '../core/learn/errors';
import type { GraphNet } from '../core/learn/gnn';
import { deserializeModel, serializeModel, type Blob } from '../core/learn/serialize';
import { runPool } from '../jobs/pool';
import type { PredictInit } from '../jobs/predict-job';
import { StoreError, type Store } from '../store';
import { readSurrogate } from './surrogate-config';

export { PredictError, type RawPrediction } from '../core/learn/case-predictor';

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
  /** AC-step records: whether the record's AC estimate settled (features.ts SETTLED_MISMATCH); null for DC-LODF records and islanded outages. */
  estimateSettled: boolean | null;
}

export interface LoadedSurrogate {
  id: number;
  name: string;
  config: SurrogateModelConfig;
  model: GraphNet;
}

/** A stored surrogate, ready to predict; PredictError (one sentence) for a model that is missing, damaged, foreign or outdated. */
export function loadSurrogate(store: Store, id: number): LoadedSurrogate {
  const m = store.models.get(id);
  if (!m) throw new PredictError(`model ${id} is not in ${store.path}`);
  const read = readSurrogate(m);
  if (read.status !== 'usable') throw new PredictError(`model ${id} ${read.problem}`);
  try {
    const tensors = store.models.getTensors(id);
    const blobs: Blob[] = [...tensors].map(([name, data]) => ({ name, data: data as Float32Array | Int32Array }));
    return { id, name: m.name, config: read.config, model: deserializeModel(read.config.model, blobs) };
  } catch (e) {
    if (e instanceof LearnError || (e instanceof StoreError && e.code === 'CORRUPT')) throw new PredictError(`model ${id} cannot be read: ${e.message}`);
    throw e;
  }
}

export interface PredictOutcome {
  caseName: string;
  modelId: number;
  threshold: number;
  contingencies: PredictedContingency[];
  /**
   * Seconds: base solve, features (the outage records) and the network's
   * inference, in this thread; with workers, base and features are the
   * slowest worker's and `inference` the rest of the pool's wall time.
   */
  seconds: { base: number; features: number; inference: number; total: number };
  /** Threads that predicted (1: this one). */
  workers: number;
  /** predictCase: the exact engine of the point, its base case solved (default engine options). */
  engine?: N1Engine;
}

/** The verdict a raw prediction stands for at threshold th. */
function predicted(net: Network, r: RawPrediction, th: number): PredictedContingency {
  const k = r.k;
  let verdict: PredictedVerdict = 'secure';
  if (r.prob >= th) {
    const over = r.maxEdgeMargin > 0;
    const volt = r.upperMargin > 0 || r.lowerMargin < 0;
    verdict = over && volt ? 'overload+voltage' : over ? 'overload' : volt ? 'voltage' : 'insecure';
  }
  return { branch: net.branchRow[k] + 1, from: net.busNumber[net.f[k]], to: net.busNumber[net.t[k]], verdict, pInsecure: r.prob, maxLoading: Number.isFinite(r.maxEdge) ? r.maxEdge : null, estimateSettled: estimateSettled(r.estimateMismatch) };
}

function islandedRecord(net: Network, k: number): PredictedContingency {
  return { branch: net.branchRow[k] + 1, from: net.busNumber[net.f[k]], to: net.busNumber[net.t[k]], verdict: 'islanded', pInsecure: 1, maxLoading: null, estimateSettled: null };
}

/**
 * Threads a prediction of this model is worth, out of `available`: all of
 * them for a model of AC-step records (about 3 ms per outage on
 * case_ACTIVSg2000: each worker's cold start, its own base solve and
 * predictor, is paid back; measured 6.4 s on 2 workers against 7.9 s in this
 * thread), else this thread alone (DC-LODF records cost 0.1 ms per outage,
 * less than a worker's start).
 */
export function surrogateThreads(s: LoadedSurrogate, available: number): number {
  return acStepRecords(s.config.features) ? Math.max(1, available) : 1;
}

/** Threads of a `predict`: as many as asked, else surrogateThreads of every core. */
export function predictWorkers(s: LoadedSurrogate, requested: number | undefined, cores: number): number {
  return requested !== undefined ? Math.max(1, requested) : surrogateThreads(s, cores);
}

/** Predicts every in-service branch outage of case `c` with a loaded surrogate, in this thread. */
export function predictCase(s: LoadedSurrogate, c: Case): PredictOutcome {
  const t0 = performance.now();
  const cp = new CasePredictor(s.model, s.config, c, s.id);
  const net = cp.net, th = s.config.threshold;
  const out: PredictedContingency[] = [];
  for (let k = 0; k < net.nl; k++) out.push(cp.islanded[k] ? islandedRecord(net, k) : predicted(net, cp.predict(k), th));
  const total = (performance.now() - t0) / 1000;
  const { base, features } = cp.seconds;
  return {
    caseName: c.name, modelId: s.id, threshold: th, contingencies: rankPredictions(out), workers: 1, seconds: { base, features, inference: total - base - features, total },
    engine: cp.engine,
  };
}

/**
 * The same on `workers` worker threads: each parses the case, solves its
 * base case and builds its own predictor once, then predicts chunks of
 * outages; results are assembled here, identical to predictCase's.
 */
export async function predictCaseInWorkers(s: LoadedSurrogate, c: Case, workers: number, signal?: AbortSignal): Promise<PredictOutcome> {
  const t0 = performance.now();
  const net = compile(c);
  checkGrid(s.config, c, net, s.id);
  const islanded = islandedByTopology(net, gridTopology(net));
  const todo: number[] = [];
  for (let k = 0; k < net.nl; k++) if (!islanded[k]) todo.push(k);
  // Chunks small enough to balance the workers, large enough that messages cost little.
  const size = Math.max(16, Math.ceil(todo.length / (workers * 8)));
  const chunks: number[][] = [];
  for (let i = 0; i < todo.length; i += size) chunks.push(todo.slice(i, i + size));
  const ser = serializeModel(s.model);
  const init: PredictInit = { case: c, modelId: s.id, config: s.config, modelConfig: ser.config, blobs: ser.blobs };
  const raw: RawPrediction[] = [];
  let base = 0, features = 0;
  await runPool({
    job: 'predict', init, chunks, workers, signal,
    onResult: (r) => {
      raw.push(...r.predictions);
      base = Math.max(base, r.seconds.base);
      features = Math.max(features, r.seconds.features);
    },
  });
  const th = s.config.threshold;
  const out: PredictedContingency[] = [];
  for (let k = 0; k < net.nl; k++) if (islanded[k]) out.push(islandedRecord(net, k));
  for (const r of raw) out.push(predicted(net, r, th));
  const total = (performance.now() - t0) / 1000;
  // The slowest worker's base solve and features; the rest of the wall time is the network and the pool's traffic.
  return { caseName: c.name, modelId: s.id, threshold: th, contingencies: rankPredictions(out), workers: Math.min(workers, chunks.length), seconds: { base, features, inference: Math.max(0, total - base - features), total } };
}

/** Islanded first, then by probability of insecurity, then by predicted loading. */
export function rankPredictions(list: PredictedContingency[]): PredictedContingency[] {
  const rank = (v: PredictedVerdict) => (v === 'islanded' ? 0 : 1);
  return [...list].sort((a, b) => rank(a.verdict) - rank(b.verdict) || b.pInsecure - a.pInsecure || (b.maxLoading ?? 0) - (a.maxLoading ?? 0) || a.branch - b.branch);
}

export function predictWithStore(store: Store, modelId: number, c: Case): PredictOutcome {
  return predictCase(loadSurrogate(store, modelId), c);
}
