// The optimiser of the tfjs backend: TensorFlow.js's Adam (tf.train.adam)
// behind our Optimizer interface, so the Trainer's bookkeeping (steps,
// warm-up and cosine learning rate, checkpoints) is the same on both
// backends. What tfjs's Adam lacks is added around it exactly as optim.ts
// does it: the global gradient-norm clip (on the host, over the same
// per-connection gradients), decoupled weight decay (w *= 1 - lr * wd before
// the Adam update, which is optim.ts's w -= step + lr * wd * w) and the
// bias correction of a resumed run (accBeta = beta^t).
//
// Its moments live in tfjs variables ([out x in] per sparse layer, zeros off
// the mask); after each step they are written back to the Params' m and v
// (per connection), and uploaded again after rewiring, so our rewire.ts
// decides which moments survive and regrown connections start at zero.

import type * as TF from '@tensorflow/tfjs';
import { LearnError } from '../errors';
import type { GraphNet } from '../gnn';
import type { Param } from '../layer';
import { Optimizer, type OptimizerConfig } from '../optim';
import type { TfjsNet } from './net';

/** The fields of tfjs 4.22's AdamOptimizer this class drives (public in its JS, protected in its types). */
interface AdamInternals {
  learningRate: number;
  accBeta1: TF.Variable;
  accBeta2: TF.Variable;
  accumulatedFirstMoment: { originalName: string; variable: TF.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: TF.Variable }[];
}

export class TfjsAdam extends Optimizer {
  private readonly adam: TF.AdamOptimizer;
  private readonly inner: AdamInternals;

  /** `beforeStep` brings the tfjs net in line with the model being stepped (rewired or swapped since). */
  constructor(cfg: OptimizerConfig, private readonly net: TfjsNet, private readonly beforeStep: () => void = () => {}) {
    super(cfg);
    if (this.cfg.kind !== 'adam') throw new LearnError('bad-config', `the tfjs backend trains with Adam; optimizer.kind '${cfg.kind}' runs on the cpu backend only`);
    const tf = net.tf;
    this.adam = tf.train.adam(this.cfg.lr, this.cfg.beta1, this.cfg.beta2, this.cfg.eps);
    this.inner = this.adam as unknown as AdamInternals;
    if (!(this.inner.accBeta1 && Array.isArray(this.inner.accumulatedFirstMoment))) throw new LearnError('bad-state', 'this TensorFlow.js Adam does not have the fields of tfjs 4.22 (accBeta1, accumulatedFirstMoment)');
    const moments = (suffix: string) => net.variables().map((v) => ({ originalName: `${v.name}/${suffix}`, variable: tf.variable(tf.zerosLike(v), false) }));
    this.inner.accumulatedFirstMoment = moments('m');
    this.inner.accumulatedSecondMoment = moments('v');
  }

  /** Weights, masks and moments from `model` into tfjs. */
  upload(model: GraphNet): void {
    const tf = this.net.tf;
    this.net.upload(model);
    tf.tidy(() => this.net.layers.forEach((t, i) => {
      const l = model.layers[i];
      for (const [j, p] of [[2 * i, l.weight], [2 * i + 1, l.bias]] as const) {
        const shape = j % 2 === 0 ? [t.nOut, t.nIn] : [t.nOut];
        const scat = (a: Float32Array) => (j % 2 === 0 ? this.net.scatter(t, a) : a);
        this.inner.accumulatedFirstMoment[j].variable.assign(tf.tensor(scat(p.m), shape));
        this.inner.accumulatedSecondMoment[j].variable.assign(tf.tensor(scat(p.v), shape));
      }
    }));
  }

  /** Moments as dense arrays, in params() order (the cross-check reads them). */
  moments(): { m: Float32Array[]; v: Float32Array[] } {
    return {
      m: this.inner.accumulatedFirstMoment.map((x) => x.variable.dataSync() as Float32Array),
      v: this.inner.accumulatedSecondMoment.map((x) => x.variable.dataSync() as Float32Array),
    };
  }

  override step(params: readonly Param[], baseLr = this.cfg.lr): void {
    this.beforeStep();
    const tf = this.net.tf, c = this.cfg, net = this.net;
    if (params.length !== net.names.length) throw new LearnError('bad-state', `tfjs Adam holds ${net.names.length} variables, asked to step ${params.length} params`);
    this.t++;
    const lr = this.lrAt(this.t, baseLr);
    const scale = this.clipScale(params);
    const vars = net.variables();
    tf.tidy(() => {
      const grads = params.map((p, j) => {
        const t = net.layers[j >> 1];
        const g = j % 2 === 0 ? net.scatter(t, p.grad) : p.grad;
        const gt = tf.tensor(g, vars[j].shape);
        return scale === 1 ? gt : tf.mul(gt, scale);
      });
      params.forEach((p, j) => {
        if (p.decay && c.weightDecay > 0) vars[j].assign(tf.mul(vars[j], 1 - lr * c.weightDecay));
      });
      this.inner.learningRate = lr;
      // Bias correction of step t (tfjs keeps beta^t in accBeta and multiplies after each step).
      this.inner.accBeta1.assign(tf.scalar(Math.pow(c.beta1, this.t)));
      this.inner.accBeta2.assign(tf.scalar(Math.pow(c.beta2, this.t)));
      this.adam.applyGradients(net.names.map((name, j) => ({ name, tensor: grads[j] })));
    });
    net.download();
    params.forEach((p, j) => {
      const t = net.layers[j >> 1];
      const pick = (a: Float32Array) => (j % 2 === 0 ? net.gather(t, a) : a);
      p.m.set(pick(this.inner.accumulatedFirstMoment[j].variable.dataSync() as Float32Array));
      p.v.set(pick(this.inner.accumulatedSecondMoment[j].variable.dataSync() as Float32Array));
    });
  }

  dispose(): void {
    this.adam.dispose();
  }
}
