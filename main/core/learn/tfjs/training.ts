// Training through TensorFlow.js with the Trainer's own loop: the Trainer
// keeps batches, epochs, validation, early stopping, the rate policy, the
// rewiring (rewire.ts on its GraphNet) and checkpoints; this backend gives
// it gradients from tfjs autodiff and steps tfjs's Adam (adam.ts) in place
// of ours. The GraphNet is written back after every step, so what the
// Trainer serialises (checkpoints, the final model) is a model in our
// sparse format like any cpu-trained one.
//
// Validation and RigL's dense gradient at rewiring time run on the GraphNet
// (our kernels) at the same weights: the cross-check shows both backends give
// the same outputs and gradients there.

import type { GraphSample, GraphTopology, SampleSource } from '../graph';
import { asSource } from '../graph';
import type { FitCallbacks, FitResult, GradientBuffers, TrainData, Trainer } from '../trainer';
import { TfjsAdam } from './adam';
import { TfjsNet, type Tf } from './net';

export class TfjsTraining {
  readonly net: TfjsNet;
  readonly adam: TfjsAdam;
  private readonly graph: GraphTopology;
  private readonly train: SampleSource;
  private seen: { model: unknown; version: number };

  /** Puts `trainer` on the tfjs backend (from now on its optimiser steps are tfjs Adam steps). */
  constructor(readonly tf: Tf, readonly trainer: Trainer, data: Pick<TrainData, 'graph' | 'train'>) {
    this.graph = data.graph;
    this.train = asSource(data.train as readonly GraphSample[] | SampleSource);
    this.net = new TfjsNet(tf, trainer.model);
    this.adam = new TfjsAdam(trainer.cfg.optimizer, this.net, () => this.sync());
    this.adam.t = trainer.optimizer.t;
    this.adam.upload(trainer.model);
    this.seen = { model: trainer.model, version: trainer.topologyVersion };
    trainer.useOptimizer(this.adam);
  }

  /** Re-uploads weights, masks and moments when the trainer rewired or swapped its model since the last look. */
  sync(): void {
    const t = this.trainer;
    if (t.model === this.seen.model && t.topologyVersion === this.seen.version) return;
    this.adam.upload(t.model);
    this.seen = { model: t.model, version: t.topologyVersion };
  }

  /** Gradients of the mean loss over the training samples at `positions` (Trainer.gradientsAt through tfjs). */
  gradientsAt(positions: ArrayLike<number>): GradientBuffers {
    this.sync();
    const samples = Array.from(positions, (p) => this.train.get(p));
    const batch = this.trainer.model.batch(this.graph, samples);
    const g = this.net.gradients(batch, this.trainer.lossCfg);
    this.tf.dispose(g.dense);
    return { loss: g.loss, samples: samples.length, grads: g.grads };
  }

  /** Trainer.fit with the gradients from tfjs. */
  fit(cb: FitCallbacks = {}): FitResult {
    const t = this.trainer;
    while (!t.finished) {
      let positions: Int32Array | null;
      while ((positions = t.nextBatchIndices())) {
        if (cb.shouldStop?.()) return { stopped: 'cancelled', epochs: t.epoch, bestEpoch: t.bestEpoch, history: t.history };
        const t0 = performance.now();
        const g = this.gradientsAt(positions);
        t.applyGradients(g, (performance.now() - t0) / 1000);
        cb.onBatch?.({ epoch: t.epoch + 1, batch: t.batchInEpoch, batches: t.batchesPerEpoch, loss: g.loss, step: t.step });
      }
      // Not cb.onEpoch?.(t.endEpoch()): optional chaining would skip the call's argument too.
      const rec = t.endEpoch();
      cb.onEpoch?.(rec);
    }
    return { stopped: t.stopReason ?? 'completed', epochs: t.epoch, bestEpoch: t.bestEpoch, history: t.history };
  }

  dispose(): void {
    this.adam.dispose();
    this.net.dispose();
  }
}
