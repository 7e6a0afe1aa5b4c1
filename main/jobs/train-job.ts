// Data-parallel training: each worker thread holds the dataset but its
// labels (statics, outage records) and a copy of the model; per optimiser
// step the main thread sends the current weights (and the sparse
// connectivity, when rewiring changed it) with the labels of the worker's
// shard of the batch, each worker returns the gradients of its shard
// (incremental: learn/incremental-training.ts), and the main thread
// averages them, steps the optimiser and rewires (learn/trainer.ts).

import { SurrogateSamples, labelLength, type Normaliser, type PackedDataset } from '../core/learn/grid-data';
import type { GraphNet } from '../core/learn/gnn';
import { SparseLayer } from '../core/learn/sparse';
import { Trainer, averageGradients, type GradientBuffers, type TrainerConfig } from '../core/learn/trainer';
import { JobWorker, startWorkers } from './job-worker';
import type { JobHandler } from './types';

export interface TrainInit {
  /** The dataset; its labels may be left out (they come with each step). */
  packed: PackedDataset;
  norm: Normaliser;
  config: TrainerConfig;
  /** Dataset indices of the training samples, in the trainer's source order. */
  train: Int32Array;
  /** 'full': gradients by the full-graph pass (benchmarks compare it); default incremental. */
  engine?: 'incremental' | 'full';
}

/** The model's connectivity: per sparse layer, its CSR index arrays. */
export interface Topology {
  layers: { name: string; rowPtr: Int32Array; col: Int32Array }[];
}

export interface StepMessage {
  /** Present when the connectivity changed since the worker's last step. */
  topology?: Topology;
  weights: Float32Array[];
  /** Positions in the training source. */
  positions: Int32Array;
  /** Their labels, [positions x labelLength] (when the dataset the worker holds has none). */
  labels?: Float32Array;
}

export function topologyOf(model: GraphNet): Topology {
  return { layers: model.sparseLayers().map((l) => ({ name: l.name, rowPtr: l.rowPtr.slice(), col: l.col.slice() })) };
}

/** Puts weights (and connectivity) into a model of the same architecture. */
export function loadWeights(model: GraphNet, weights: Float32Array[], topology?: Topology): void {
  if (topology) {
    for (const t of topology.layers) {
      const l = model.layer(t.name);
      if (!(l instanceof SparseLayer)) throw new Error(`layer ${t.name} is not sparse in this model`);
      const n = t.col.length;
      l.setTopology(t.rowPtr, t.col, new Float32Array(n), new Float32Array(n), new Float32Array(n));
    }
  }
  const params = model.params();
  if (params.length !== weights.length) throw new Error(`expected ${params.length} weight arrays, got ${weights.length}`);
  params.forEach((p, i) => {
    if (p.data.length !== weights[i].length) throw new Error(`weights of ${p.name}: ${weights[i].length} values for ${p.data.length}`);
    p.data.set(weights[i]);
  });
}

/** Worker side: a trainer on the same samples, used only to compute gradients. */
export const trainHandler: JobHandler<'train'> = (init) => {
  const LL = labelLength(init.packed.nb, init.packed.nl);
  const hasLabels = init.packed.labels.length > 0;
  // This step's labels, by dataset index.
  const stepLabels = new Map<number, Float32Array>();
  const read = (i: number) => {
    const l = stepLabels.get(i);
    if (!l) throw new Error(`train worker: no labels were sent for sample ${i}`);
    return l;
  };
  const data = new SurrogateSamples(init.packed, init.norm, hasLabels ? undefined : read);
  const trainer = new Trainer(init.config, { graph: data.graph, train: data.source(init.train), engine: init.engine });
  return (step) => {
    loadWeights(trainer.model, step.weights, step.topology);
    stepLabels.clear();
    if (step.labels) step.positions.forEach((p, j) => stepLabels.set(init.train[p], step.labels!.subarray(j * LL, (j + 1) * LL)));
    const g = trainer.gradientsAt(step.positions);
    return { loss: g.loss, samples: g.samples, grads: g.grads.map((x) => x.slice()) };
  };
};

/**
 * The main thread's side: `threads - 1` workers plus the calling thread, each
 * computing the gradients of a contiguous shard of every batch.
 */
export class GradientGroup {
  /** Per worker, the trainer's topologyVersion it last received. */
  private readonly syncedVersion: number[];

  private constructor(private readonly trainer: Trainer, private workers: JobWorker<'train'>[], private readonly labelsAt: ((positions: Int32Array) => Float32Array) | null) {
    this.syncedVersion = workers.map(() => -1);
  }

  /**
   * Starts the workers and waits until each has loaded the dataset.
   * `labelsAt`: the labels of training positions, sent with each step
   * (needed when init.packed has none).
   */
  static async start(trainer: Trainer, init: TrainInit, threads: number, labelsAt?: (positions: Int32Array) => Float32Array): Promise<GradientGroup> {
    if (!labelsAt && init.packed.labels.length === 0) throw new Error('train workers need the labels: give labelsAt or a dataset that has them');
    return new GradientGroup(trainer, await startWorkers('train', init, threads - 1), labelsAt ?? null);
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  /** Sample-weighted mean gradient of the batch at `positions`, computed across the group. */
  async gradients(positions: Int32Array): Promise<GradientBuffers> {
    for (const w of this.workers) if (w.failed) throw w.failed;
    const t = this.trainer;
    const size = Math.ceil(positions.length / this.threads);
    const weights = t.model.params().map((p) => p.data);
    const jobs: Promise<GradientBuffers>[] = [];
    let topo: Topology | undefined;
    this.workers.forEach((worker, w) => {
      const part = positions.subarray((w + 1) * size, (w + 2) * size);
      if (part.length === 0) return;
      const step: StepMessage = { weights, positions: part.slice() };
      if (this.labelsAt) step.labels = this.labelsAt(step.positions);
      if (this.syncedVersion[w] !== t.topologyVersion) {
        topo ??= topologyOf(t.model);
        step.topology = topo;
        this.syncedVersion[w] = t.topologyVersion;
      }
      jobs.push(worker.run(step));
    });
    // Our own shard meanwhile.
    const own = t.gradientsAt(positions.subarray(0, size));
    const mine: GradientBuffers = { loss: own.loss, samples: own.samples, grads: own.grads.map((x) => x.slice()) };
    const parts = [mine, ...(await Promise.all(jobs))];
    return parts.length === 1 ? mine : averageGradients(parts);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers = [];
  }
}
