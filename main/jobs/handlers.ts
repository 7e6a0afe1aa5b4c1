// Job handlers that run inside worker threads, one per job of types.ts: each
// receives the job's init payload once and returns the per-chunk function.

import { n1Handler } from './n1-job';
import { datasetHandler } from './dataset-job';
import { trainHandler } from './train-job';
import { predictHandler } from './predict-job';
import { layoutHandler } from './layout-job';
import { robustnessHandler } from './robustness-job';
import type { JobHandler, JobName } from './types';

export const jobHandlers: { [K in JobName]: JobHandler<K> } = {
  n1: n1Handler,
  dataset: datasetHandler,
  train: trainHandler,
  predict: predictHandler,
  layout: layoutHandler,
  robustness: robustnessHandler,
};
