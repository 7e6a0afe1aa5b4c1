// What every study of a stored surrogate evaluates on: the model, its
// dataset's held-out test outages (non-islanded), read as training reads
// them (streamDataset, the model's own normaliser, evaluateSurrogate: the
// incremental inference `train` and `predict` use), at the model's decision
// threshold.

import { L_INSECURE, SurrogateSamples } from '../core/learn/grid-data';
import type { GraphNet } from '../core/learn/gnn';
import { Rng } from '../core/learn/rng';
import { evaluateSurrogate, type SurrogateEvaluation } from '../core/learn/surrogate';
import { stratifiedSample, type StudySample } from '../core/learn/studies/evaluation';
import type { Store } from '../store';
import { DatasetError } from './dataset';
import { PredictError } from '../core/learn/case-predictor';
import { loadSurrogate, type LoadedSurrogate } from './predict';
import { streamDataset, type StreamedDataset } from './training-data';
import { LABEL_CACHE_BYTES } from './train';

export class StudyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StudyError';
  }
}

export interface StudyData {
  surrogate: LoadedSurrogate;
  dataset: StreamedDataset;
  data: SurrogateSamples;
  /** Every non-islanded test outage (dataset sample indices). */
  test: Int32Array;
  /** The outages a study evaluates (a stratified sample of `test` or all of it) and their weights. */
  sample: StudySample;
  indices: Int32Array;
  threshold: number;
  /** The model (or any network of the same grid and features) on the evaluated outages. */
  evaluate(model: GraphNet): SurrogateEvaluation;
}

/** A stored surrogate and its test outages; StudyError (one sentence) when either cannot be had. */
export function studyModel(store: Store, modelId: number): LoadedSurrogate {
  try {
    return loadSurrogate(store, modelId);
  } catch (e) {
    if (e instanceof PredictError) throw new StudyError(e.message);
    throw e;
  }
}

export function studyData(store: Store, modelId: number, opts: { outages?: number; seed?: number } = {}): StudyData {
  const surrogate = studyModel(store, modelId);
  const datasetId = surrogate.config.datasetId;
  let dataset: StreamedDataset;
  try {
    dataset = streamDataset(store, datasetId, LABEL_CACHE_BYTES);
  } catch (e) {
    if (e instanceof DatasetError) throw new StudyError(`model ${modelId}'s dataset cannot be read: ${e.message}`);
    throw e;
  }
  const g = dataset.config.grid, m = surrogate.config.grid;
  if (g.nb !== m.nb || g.nl !== m.nl || g.bus.some((b, i) => b !== m.bus[i])) throw new StudyError(`dataset ${datasetId} is not of the grid model ${modelId} was trained on`);
  const data = new SurrogateSamples(dataset.packed, surrogate.config.normaliser, (i) => dataset.labels.read(i));
  const test = data.indices('test');
  if (test.length === 0) throw new StudyError(`dataset ${datasetId} of model ${modelId} has no held-out test outage to study on`);
  const label = Uint8Array.from(test, (i) => (data.head(i)[L_INSECURE] ? 1 : 0));
  const sample = stratifiedSample(label, opts.outages ?? 0, new Rng(opts.seed ?? 1));
  const indices = Int32Array.from(sample.pick, (j) => test[j]);
  return {
    surrogate, dataset, data, test, sample, indices, threshold: surrogate.config.threshold,
    evaluate: (model) => evaluateSurrogate(model, data, indices),
  };
}
