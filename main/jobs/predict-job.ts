// The surrogate prediction job: each worker rebuilds the model from its
// blobs, solves the case's base case and builds the incremental predictor
// once (CasePredictor), then predicts the outages of each chunk it is given.

import type { Case } from '../core/grid/case';
import { deserializeModel, type Blob, type SerializedModel } from '../core/learn/serialize';
import { CasePredictor, type RawPrediction, type SurrogateModelConfig } from '../core/learn/case-predictor';
import type { JobHandler } from './types';

export interface PredictInit {
  case: Case;
  modelId: number;
  config: SurrogateModelConfig;
  modelConfig: SerializedModel['config'];
  blobs: Blob[];
}

export interface PredictChunkResult {
  predictions: RawPrediction[];
  /** This worker's set-up and features time so far. */
  seconds: { base: number; features: number };
}

export const predictHandler: JobHandler<'predict'> = (init) => {
  const cp = new CasePredictor(deserializeModel(init.modelConfig, init.blobs), init.config, init.case, init.modelId);
  return (ks) => ({ predictions: ks.map((k) => cp.predict(k)), seconds: { ...cp.seconds } });
};
