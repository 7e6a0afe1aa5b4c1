// Data-parallel training: each worker thread holds the dataset and a copy of
// the model; per optimiser step the main thread sends the current weights
// (and the sparse connectivity, when rewiring changed it), each worker
// returns the gradients of its shard of the batch, and the main thread
// averages them, steps the optimiser and rewires (learn/trainer.ts).

import { Worker } from 'node:worker_threads';
import { SurrogateSamples, type Normaliser, type PackedDataset } from '../core/learn/grid-data';
import type { GraphNet } from '../core/learn/gnn';
import { SparseLayer } from '../core/learn/sparse';
import { Trainer, averageGradients, type GradientBuffers, type TrainerConfig } from '../core/learn/trainer';
import { workerScript } from './pool';

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
export function trainHandler(init: unknown): (chunk: unknown) => GradientBuffers {
  const i = init as TrainInit;
  const data = new SurrogateSamples(i.packed, i.norm);
  const trainer = new Trainer(i.config, { graph: data.graph, train: data.source(i.train) });
  const src = data.source(i.train);
  return (chunk) => {
    const m = chunk as StepMessage;
    loadWeights(trainer.model, m.weights, m.topology);
    const g = trainer.computeGradients(Array.from(m.positions, (p) => src.get(p)));
    return { loss: g.loss, samples: g.samples, grads: g.grads.map((x) => x.slice()) };
  };
}

/**
 * The main thread's side: `threads - 1` workers plus the calling thread, each
 * computing the gradients of a contiguous shard of every batch.
 */
export class GradientGroup {
  private workers: Worker[] = [];
  private pending = new Map<Worker, { resolve: (g: GradientBuffers) => void; reject: (e: Error) => void }>();
  private syncedVersion: number[] = [];
  private failed: Error | null = null;

  private constructor(private readonly trainer: Trainer, private readonly src: { get(i: number): import('../core/learn/graph').GraphSample }) {}

  /** Starts the workers and waits until each has loaded the dataset. */
  static async start(trainer: Trainer, src: { get(i: number): import('../core/learn/graph').GraphSample }, init: TrainInit, threads: number): Promise<GradientGroup> {
    const g = new GradientGroup(trainer, src);
    const script = workerScript();
    const ready: Promise<void>[] = [];
    for (let w = 0; w < threads - 1; w++) {
      const workerData = { job: 'train', init };
      const worker = script.endsWith('.ts')
        ? new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(script)});`, { eval: true, workerData })
        : new Worker(script, { workerData });
      g.workers.push(worker);
      g.syncedVersion.push(-1);
      ready.push(new Promise<void>((resolve, reject) => {
        worker.on('message', (msg: { ready?: true; result?: GradientBuffers; error?: string; errorName?: string }) => {
          if (msg.ready) return resolve();
          const p = g.pending.get(worker);
          g.pending.delete(worker);
          if (msg.error !== undefined) {
            const e = new Error(msg.error);
            e.name = msg.errorName ?? 'Error';
            if (p) p.reject(e); else reject(e);
            return;
          }
          p?.resolve(msg.result as GradientBuffers);
        });
        worker.on('error', (e) => { g.failed = e; reject(e); for (const p of g.pending.values()) p.reject(e); g.pending.clear(); });
        worker.on('exit', (code) => {
          if (code !== 0 && !g.closing) {
            const e = new Error(`a training worker stopped with code ${code}`);
            g.failed = e;
            for (const p of g.pending.values()) p.reject(e);
            g.pending.clear();
          }
        });
      }));
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      await g.close();
      throw e;
    }
    return g;
  }

  private closing = false;

  get threads(): number {
    return this.workers.length + 1;
  }

  /** Sample-weighted mean gradient of the batch at `positions`, computed across the group. */
  async gradients(positions: Int32Array): Promise<GradientBuffers> {
    if (this.failed) throw this.failed;
    const t = this.trainer;
    const shards = this.threads;
    const size = Math.ceil(positions.length / shards);
    const weights = t.model.params().map((p) => p.data);
    const jobs: Promise<GradientBuffers>[] = [];
    let topo: Topology | undefined;
    for (let w = 0; w < this.workers.length; w++) {
      const part = positions.subarray((w + 1) * size, (w + 2) * size);
      if (part.length === 0) continue;
      const worker = this.workers[w];
      const msg: StepMessage = { weights, positions: part.slice() };
      if (this.syncedVersion[w] !== t.topologyVersion) {
        topo ??= topologyOf(t.model);
        msg.topology = topo;
        this.syncedVersion[w] = t.topologyVersion;
      }
      jobs.push(new Promise<GradientBuffers>((resolve, reject) => {
        this.pending.set(worker, { resolve, reject });
        worker.postMessage({ chunk: msg });
      }));
    }
    // Our own shard meanwhile.
    const own = t.computeGradients(Array.from(positions.subarray(0, size), (p) => this.src.get(p)));
    const mine: GradientBuffers = { loss: own.loss, samples: own.samples, grads: own.grads.map((x) => x.slice()) };
    const parts = [mine, ...(await Promise.all(jobs))];
    return parts.length === 1 ? mine : averageGradients(parts);
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers = [];
  }
}
