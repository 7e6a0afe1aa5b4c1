// The robustness study (Sulyok, Palla, Radicchi and Fortunato) on the image
// MLP: the same five perturbations as studies/perturb.ts (random, weight,
// reverse, shuffle, noise; same fractions, same noise scale, each hidden layer
// perturbed by the same fraction, readout and biases untouched), applied to
// the MLP's hidden layers by the same PerturbableNet, with test accuracy as
// the figure.

import { Rng } from '../rng';
import { FRACTIONS, PerturbableNet, isRandom, type Perturbation } from '../studies/perturb';
import type { Mlp } from './model';

export interface MlpRobustnessPoint {
  fraction: number;
  accuracy: number;
  /** Standard deviation over draws (0 for one). */
  spread: number;
  draws: number;
}

export interface MlpRobustnessCurve {
  perturbation: Perturbation;
  points: MlpRobustnessPoint[];
}

export interface MlpRobustnessOptions {
  perturbations: readonly Perturbation[];
  draws: number;
  seed: number;
  fractions?: readonly number[];
}

/** The MLP's hidden layers as the study perturbs them (the readout stays). */
export const perturbableMlp = (model: Mlp): PerturbableNet => new PerturbableNet(model.layers.slice(0, -1));

const SALT: Record<Perturbation, number> = { random: 0x9e3779b9, weight: 0x85ebca6b, reverse: 0xc2b2ae35, shuffle: 0x27d4eb2f, noise: 0x165667b1 };

/** Test accuracy of the perturbed MLP at each fraction, averaged over draws for the random perturbations. */
export function mlpRobustness(model: Mlp, x: Float32Array, y: ArrayLike<number>, n: number, o: MlpRobustnessOptions): MlpRobustnessCurve[] {
  const fractions = o.fractions ?? FRACTIONS;
  const net = perturbableMlp(model);
  const clean = model.accuracy(x, y, n);
  const curves: MlpRobustnessCurve[] = [];
  try {
    for (const p of o.perturbations) {
      const rng = new Rng((Math.imul(o.seed, 0x9e3779b1) ^ SALT[p]) >>> 0);
      const points = fractions.map((f): MlpRobustnessPoint => {
        if (f === 0) return { fraction: 0, accuracy: clean, spread: 0, draws: 1 };
        const acc: number[] = [];
        for (let d = 0; d < (isRandom(p) ? o.draws : 1); d++) {
          net.apply(p, f, rng);
          acc.push(model.accuracy(x, y, n));
        }
        const mu = acc.reduce((a, b) => a + b, 0) / acc.length;
        const sd = acc.length > 1 ? Math.sqrt(acc.reduce((a, b) => a + (b - mu) ** 2, 0) / (acc.length - 1)) : 0;
        return { fraction: f, accuracy: mu, spread: sd, draws: acc.length };
      });
      curves.push({ perturbation: p, points });
    }
  } finally {
    net.restore();
  }
  return curves;
}
