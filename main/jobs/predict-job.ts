// The surrogate prediction job: each worker rebuilds the model from its
// blobs, solves the case's base case and builds the incremental predictor
// once (CasePredictor), then predicts the outages of each chunk it is given.

import type { Case } from '../core/grid/case';
import { deserializeModel, type Blob } from '../core/learn/serialize';
import { CasePredictor, type RawPrediction } from '../services/predict';
import type { SurrogateModelConfig } from '../services/train';

export interface PredictInit {
  case: Case;
  modelId: number;
  config: SurrogateModelConfig;
  modelConfig: unknown;
  blobs: Blob[];
}

export interface PredictChunkResult {
  predictions: RawPrediction[];
  /** This worker's set-up and features time so far. */
  seconds: { base: number; features: number };
}

export function predictHandler(init: unknown): (chunk: unknown) => PredictChunkResult {
  const i = init as PredictInit;
  const cp = new CasePredictor(deserializeModel(i.modelConfig, i.blobs), i.config, i.case, i.modelId);
  return (chunk) => ({ predictions: (chunk as number[]).map((k) => cp.predict(k)), seconds: { ...cp.seconds } });
}
