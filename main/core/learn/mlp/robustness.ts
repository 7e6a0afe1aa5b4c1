// The robustness study (Sulyok, Palla, Radicchi and Fortunato) on the image
// MLP: the same five perturbations as studies/perturb.ts (random, weight,
// reverse, shuffle, noise; same fractions, same noise scale, each hidden layer
// perturbed by the same fraction, readout and biases untouched), applied to
// the MLP's hidden layers, with test accuracy as the figure. studies/perturb.ts
// is bound to the graph network's layer list, so the MLP's application is here;
// the definitions, the axis and the noise scale are imported from it.

import type { Layer } from '../layer';
import { Rng } from '../rng';
import { sampleDistinct } from '../select';
import { FRACTIONS, isRandom, noiseScale, type Perturbation } from '../studies/perturb';
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

/** Perturbs the MLP's hidden layers in place (undoing the previous perturbation first) and restores them. */
export class PerturbableMlp {
  readonly layers: Layer[];
  private readonly original: Float32Array[];
  private readonly order: Int32Array[];
  private readonly std: number[];

  constructor(model: Mlp) {
    this.layers = model.layers.slice(0, -1);
    this.original = this.layers.map((l) => l.weight.data.slice());
    this.order = this.original.map((w) => Int32Array.from(w.keys()).sort((a, b) => Math.abs(w[b]) - Math.abs(w[a]) || a - b));
    this.std = this.original.map((w) => {
      let s = 0, q = 0;
      for (const x of w) { s += x; q += x * x; }
      const m = s / w.length;
      return Math.sqrt(Math.max(0, q / w.length - m * m));
    });
  }

  restore(): void {
    this.layers.forEach((l, i) => l.weight.data.set(this.original[i]));
  }

  apply(p: Perturbation, fraction: number, rng: Rng): void {
    if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`fraction must be in [0, 1], got ${fraction}`);
    this.restore();
    this.layers.forEach((l, i) => {
      const w = l.weight.data, n = w.length, k = Math.round(fraction * n);
      if (p === 'random') for (const j of sampleDistinct(n, k, rng)) w[j] = 0;
      else if (p === 'weight') for (let r = 0; r < k; r++) w[this.order[i][r]] = 0;
      else if (p === 'reverse') for (let r = 0; r < k; r++) w[this.order[i][n - 1 - r]] = 0;
      else if (p === 'shuffle') {
        const at = sampleDistinct(n, k, rng);
        const vals = rng.shuffle(Float32Array.from(at, (j) => w[j]));
        at.forEach((j, t) => (w[j] = vals[t]));
      } else {
        const s = noiseScale(fraction) * this.std[i];
        if (s > 0) for (let j = 0; j < n; j++) w[j] += s * rng.normal();
      }
    });
  }
}

const SALT: Record<Perturbation, number> = { random: 0x9e3779b9, weight: 0x85ebca6b, reverse: 0xc2b2ae35, shuffle: 0x27d4eb2f, noise: 0x165667b1 };

/** Test accuracy of the perturbed MLP at each fraction, averaged over draws for the random perturbations. */
export function mlpRobustness(model: Mlp, x: Float32Array, y: ArrayLike<number>, n: number, o: MlpRobustnessOptions): MlpRobustnessCurve[] {
  const fractions = o.fractions ?? FRACTIONS;
  const net = new PerturbableMlp(model);
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
