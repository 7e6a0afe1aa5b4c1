// Job handlers that run inside worker threads. Each factory receives the
// job's init payload once and returns the per-chunk function.

import { n1Handler } from './n1-job';
import { datasetHandler } from './dataset-job';
import { trainHandler } from './train-job';
import { predictHandler } from './predict-job';

export type ChunkHandler = (chunk: unknown) => unknown;
export const jobHandlers: Record<string, (init: unknown) => ChunkHandler> = {
  n1: n1Handler,
  dataset: datasetHandler,
  train: trainHandler,
  predict: predictHandler,
};
