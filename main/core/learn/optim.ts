// Adam (with decoupled weight decay) and SGD with momentum. The per-weight
// state lives on each Param (m, v), so when rewiring reorders a sparse
// layer's connections the moments travel with them; the optimiser itself
// only keeps the step count.

import { LearnError } from './errors';
import type { Param } from './layer';

export interface OptimizerConfig {
  kind: 'adam' | 'sgd';
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** SGD momentum. */
  momentum?: number;
  /** Decoupled weight decay (AdamW style); biases are exempt. */
  weightDecay?: number;
  /** Clip the global gradient norm to this value. */
  clipNorm?: number;
  /** Linear learning-rate warm-up over this many steps (Adam's first steps are otherwise lr-sized for every weight). */
  warmupSteps?: number;
  /**
   * Learning-rate decay after warm-up: 'cosine' goes from lr down to
   * lr * minLrFactor over decaySteps steps (then stays there). Default none.
   */
  decay?: 'none' | 'cosine';
  decaySteps?: number;
  minLrFactor?: number;
}

export const defaultOptimizer: OptimizerConfig = { kind: 'adam', lr: 3e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, clipNorm: 1 };

export class Optimizer {
  /** Steps taken (Adam's bias correction). */
  t = 0;
  readonly cfg: Required<OptimizerConfig>;

  constructor(cfg: OptimizerConfig) {
    if (cfg.kind !== 'adam' && cfg.kind !== 'sgd') throw new LearnError('bad-config', `optimizer.kind must be 'adam' or 'sgd', got '${cfg.kind}'`);
    if (!(cfg.lr > 0)) throw new LearnError('bad-config', `optimizer.lr must be positive, got ${cfg.lr}`);
    this.cfg = {
      kind: cfg.kind,
      lr: cfg.lr,
      beta1: cfg.beta1 ?? 0.9,
      beta2: cfg.beta2 ?? 0.999,
      eps: cfg.eps ?? 1e-8,
      momentum: cfg.momentum ?? 0.9,
      weightDecay: cfg.weightDecay ?? 0,
      clipNorm: cfg.clipNorm ?? 0,
      warmupSteps: cfg.warmupSteps ?? 0,
      decay: cfg.decay ?? 'none',
      decaySteps: cfg.decaySteps ?? 0,
      minLrFactor: cfg.minLrFactor ?? 0.05,
    };
    if (this.cfg.decay !== 'none' && this.cfg.decay !== 'cosine') throw new LearnError('bad-config', `optimizer.decay must be 'none' or 'cosine', got '${cfg.decay}'`);
    if (this.cfg.decay === 'cosine' && !(this.cfg.decaySteps > 0)) throw new LearnError('bad-config', `optimizer.decaySteps must be positive for cosine decay, got ${cfg.decaySteps}`);
    if (!(this.cfg.minLrFactor >= 0 && this.cfg.minLrFactor <= 1)) throw new LearnError('bad-config', `optimizer.minLrFactor must be in [0, 1], got ${cfg.minLrFactor}`);
    if (!(this.cfg.warmupSteps >= 0)) throw new LearnError('bad-config', `optimizer.warmupSteps must be >= 0, got ${cfg.warmupSteps}`);
  }

  /** Learning rate of step t (1-based): warm-up, then the decay. */
  lrAt(t: number, baseLr = this.cfg.lr): number {
    const c = this.cfg;
    if (c.warmupSteps > 0 && t < c.warmupSteps) return (baseLr * t) / c.warmupSteps;
    if (c.decay === 'cosine') {
      const x = Math.min(1, Math.max(0, t - c.warmupSteps) / c.decaySteps);
      return baseLr * (c.minLrFactor + ((1 - c.minLrFactor) * (1 + Math.cos(Math.PI * x))) / 2);
    }
    return baseLr;
  }

  /** The factor that brings the global gradient norm down to clipNorm (1 when within it or clipping is off). */
  protected clipScale(params: readonly Param[]): number {
    const clip = this.cfg.clipNorm;
    if (!(clip > 0)) return 1;
    let ss = 0;
    for (const p of params) for (let k = 0; k < p.grad.length; k++) ss += p.grad[k] * p.grad[k];
    const norm = Math.sqrt(ss);
    return norm > clip ? clip / norm : 1;
  }

  /** One update from the gradients currently in the params' grad arrays. */
  step(params: readonly Param[], baseLr = this.cfg.lr): void {
    this.t++;
    const c = this.cfg;
    const lr = this.lrAt(this.t, baseLr);
    const scale = this.clipScale(params);
    if (c.kind === 'adam') {
      const b1 = c.beta1, b2 = c.beta2;
      const bc1 = 1 - Math.pow(b1, this.t), bc2 = 1 - Math.pow(b2, this.t);
      const stepSize = lr / bc1, sq2 = Math.sqrt(bc2);
      for (const p of params) {
        const w = p.data, g = p.grad, m = p.m, v = p.v;
        const wd = p.decay ? lr * c.weightDecay : 0;
        for (let k = 0; k < w.length; k++) {
          const gk = g[k] * scale;
          const mk = (m[k] = b1 * m[k] + (1 - b1) * gk);
          const vk = (v[k] = b2 * v[k] + (1 - b2) * gk * gk);
          w[k] -= stepSize * mk / (Math.sqrt(vk) / sq2 + c.eps) + wd * w[k];
        }
      }
    } else {
      const mu = c.momentum;
      for (const p of params) {
        const w = p.data, g = p.grad, m = p.m;
        const wd = p.decay ? c.weightDecay : 0;
        for (let k = 0; k < w.length; k++) {
          const gk = g[k] * scale + wd * w[k];
          const mk = (m[k] = mu * m[k] + gk);
          w[k] -= lr * mk;
        }
      }
    }
  }
}
