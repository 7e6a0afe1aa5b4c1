// The jobs the worker pool runs, by name: what each worker is set up with
// once (init), what it is given per message (chunk) and what it answers
// (result). The pool, the worker entry and the handlers are all typed by
// this one map, so a caller cannot send a job's chunk to another job.

import type { ContingencyRecord } from '../core/grid/contingency-types';
import type { ScenarioSpec } from '../core/grid/scenarios';
import type { GradientBuffers } from '../core/learn/trainer';
import type { DatasetInit, LabelledScenario } from './dataset-job';
import type { LayoutChunk, LayoutInit, LayoutStepResult } from './layout-job';
import type { N1Init } from './n1-job';
import type { PredictChunkResult, PredictInit } from './predict-job';
import type { StepMessage, TrainInit } from './train-job';
import type { RobustnessChunk, RobustnessInit } from './robustness-job';
import type { StudyMetrics } from '../core/learn/studies/evaluation';

export interface JobTypes {
  /** N-1 outages of one case: 1-based element rows in, their records out. */
  n1: { init: N1Init; chunk: number[]; result: ContingencyRecord[] };
  /** Labelling of one operating scenario for a surrogate dataset. */
  dataset: { init: DatasetInit; chunk: ScenarioSpec; result: LabelledScenario };
  /** Gradients of one shard of a training batch. */
  train: { init: TrainInit; chunk: StepMessage; result: GradientBuffers };
  /** Surrogate predictions of internal branch outages k. */
  predict: { init: PredictInit; chunk: number[]; result: PredictChunkResult };
  /** The map's layout of one grid, a slice of work per chunk. */
  layout: { init: LayoutInit; chunk: LayoutChunk; result: LayoutStepResult };
  /** The test figures of one perturbed network (robustness study). */
  robustness: { init: RobustnessInit; chunk: RobustnessChunk; result: StudyMetrics };
}

export type JobName = keyof JobTypes;
export type JobInit<K extends JobName> = JobTypes[K]['init'];
export type JobChunk<K extends JobName> = JobTypes[K]['chunk'];
export type JobResult<K extends JobName> = JobTypes[K]['result'];

/** Runs in the worker: set up once from init, then answer each chunk. */
export type JobHandler<K extends JobName> = (init: JobInit<K>) => (chunk: JobChunk<K>) => JobResult<K>;

const JOBS: Record<JobName, true> = { n1: true, dataset: true, train: true, predict: true, layout: true, robustness: true };

export function isJobName(s: unknown): s is JobName {
  return typeof s === 'string' && Object.hasOwn(JOBS, s);
}
