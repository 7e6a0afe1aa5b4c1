// Robustness on more than one core: each worker thread holds the studied
// model and the evaluated test outages (their labels sent once), and per
// message gets the perturbed hidden layers' weights, drawn on the main
// thread (core/learn/studies/robustness.ts), and answers the figures of
// that network, evaluated as the main thread evaluates it.

import { SurrogateSamples, labelLength, type Normaliser, type PackedDataset } from '../core/learn/grid-data';
import type { GraphNet } from '../core/learn/gnn';
import { deserializeModel, serializeModel, type SerializedModel } from '../core/learn/serialize';
import { evaluateSurrogate } from '../core/learn/surrogate';
import { studyMetrics, type StudyMetrics } from '../core/learn/studies/evaluation';
import { hiddenLayers } from '../core/learn/studies/perturb';
import { withoutZeros, type RemoteEvaluator } from '../core/learn/studies/robustness';
import { JobWorker, startWorkers } from './job-worker';
import type { JobHandler } from './types';

export interface RobustnessInit {
  /** The dataset without its labels. */
  packed: PackedDataset;
  norm: Normaliser;
  /** Dataset indices of the evaluated outages, and their labels [indices x labelLength]. */
  indices: Int32Array;
  labels: Float32Array;
  model: SerializedModel;
  weight: Float64Array | null;
  threshold: number;
}

export interface RobustnessChunk {
  /** The perturbed layers' weights, in PerturbableNet's order. */
  weights: Float32Array[];
  /** Drop zero-weight connections first (removals). */
  compact: boolean;
}

/** Worker side. */
export const robustnessHandler: JobHandler<'robustness'> = (init) => {
  const LL = labelLength(init.packed.nb, init.packed.nl);
  const row = new Map<number, number>();
  init.indices.forEach((i, j) => row.set(i, j));
  const data = new SurrogateSamples(init.packed, init.norm, (i) => {
    const j = row.get(i);
    if (j === undefined) throw new Error(`robustness worker: sample ${i} is not among the evaluated outages`);
    return init.labels.subarray(j * LL, (j + 1) * LL);
  });
  const model: GraphNet = deserializeModel(init.model.config, init.model.blobs);
  const layers = hiddenLayers(model); // the perturbed layers, in PerturbableNet's order
  return (chunk) => {
    if (chunk.weights.length !== layers.length) throw new Error(`robustness worker: ${chunk.weights.length} weight arrays for ${layers.length} layers`);
    layers.forEach((l, k) => l.weight.data.set(chunk.weights[k]));
    return studyMetrics(evaluateSurrogate(chunk.compact ? withoutZeros(model) : model, data, init.indices), init.weight, init.threshold);
  };
};

/** Main-thread side: `threads` workers, each a RemoteEvaluator. */
export class RobustnessWorkers {
  private constructor(private workers: JobWorker<'robustness'>[]) {}

  static async start(init: Omit<RobustnessInit, 'model'> & { model: GraphNet }, threads: number): Promise<RobustnessWorkers> {
    const payload: RobustnessInit = { ...init, packed: { ...init.packed, labels: new Float32Array(0) }, model: serializeModel(init.model) };
    return new RobustnessWorkers(await startWorkers('robustness', payload, threads));
  }

  get evaluators(): RemoteEvaluator[] {
    return this.workers.map((w) => ({ measure: (weights: Float32Array[], compact: boolean): Promise<StudyMetrics> => w.run({ weights, compact }) }));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers = [];
  }
}
