// Data-parallel training: each worker thread holds the dataset and a copy of
// the model; per optimiser step the main thread sends the current weights
// (and the sparse connectivity, when rewiring changed it), each worker
// returns the gradients of its shard of the batch, and the main thread
// averages them, steps the optimiser and rewires (learn/trainer.ts).

import { SurrogateSamples, type Normaliser, type PackedDataset } from '../core/learn/grid-data';
import type { GraphNet } from '../core/learn/gnn';
import type { SampleSource } from '../core/learn/graph';
import { SparseLayer } from '../core/learn/sparse';
import { Trainer, averageGradients, type GradientBuffers, type TrainerConfig } from '../core/learn/trainer';
import { JobWorker } from './job-worker';
import type { JobHandler } from './types';

export interface TrainInit {
  packed: PackedDataset;
  norm: Normaliser;
  config: TrainerConfig;
  /** Dataset indices of the training samples, in the trainer's source order. */
  train: Int32Array;
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
  const data = new SurrogateSamples(init.packed, init.norm);
  const trainer = new Trainer(init.config, { graph: data.graph, train: data.source(init.train) });
  const src = data.source(init.train);
  return (step) => {
    loadWeights(trainer.model, step.weights, step.topology);
    const g = trainer.computeGradients(Array.from(step.positions, (p) => src.get(p)));
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

  private constructor(private readonly trainer: Trainer, private readonly src: SampleSource, private workers: JobWorker<'train'>[]) {
    this.syncedVersion = workers.map(() => -1);
  }

  /** Starts the workers and waits until each has loaded the dataset. */
  static async start(trainer: Trainer, src: SampleSource, init: TrainInit, threads: number): Promise<GradientGroup> {
    const g = new GradientGroup(trainer, src, Array.from({ length: threads - 1 }, () => new JobWorker('train', init)));
    try {
      await Promise.all(g.workers.map((w) => w.ready));
    } catch (e) {
      await g.close();
      throw e;
    }
    return g;
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
      if (this.syncedVersion[w] !== t.topologyVersion) {
        topo ??= topologyOf(t.model);
        step.topology = topo;
        this.syncedVersion[w] = t.topologyVersion;
      }
      jobs.push(worker.run(step));
    });
    // Our own shard meanwhile.
    const own = t.computeGradients(Array.from(positions.subarray(0, size), (p) => this.src.get(p)));
    const mine: GradientBuffers = { loss: own.loss, samples: own.samples, grads: own.grads.map((x) => x.slice()) };
    const parts = [mine, ...(await Promise.all(jobs))];
    return parts.length === 1 ? mine : averageGradients(parts);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers = [];
  }
}
