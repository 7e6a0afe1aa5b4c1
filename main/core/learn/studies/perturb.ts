// Perturbations of a trained network's hidden connections (Sulyok, Palla,
// Radicchi and Fortunato: robustness of sparse networks trained with
// adaptive topology). Each acts on every hidden (non-readout) layer with the
// same fraction, so a layer whose weights are small in scale is not emptied
// first; removal sets a connection's weight to 0, which at inference is the
// connection gone. The scalar readouts and the biases are left alone.
//
//   random   a random fraction of each layer's connections removed
//   weight   the largest |w| first
//   reverse  the smallest |w| first
//   shuffle  the weights of a random fraction of each layer's connections permuted among them
//   noise    w + s std(w_layer) N(0, 1) on every connection, s = 2 x fraction / 0.95 (0 to 2)

import { layerSpecs, type GraphNet } from '../gnn';
import type { Layer } from '../layer';
import type { Rng } from '../rng';
import { sampleDistinct } from '../select';

export const PERTURBATIONS = ['random', 'weight', 'reverse', 'shuffle', 'noise'] as const;
export type Perturbation = (typeof PERTURBATIONS)[number];

/** Whether a perturbation draws at random (it is then averaged over draws). */
export const isRandom = (p: Perturbation): boolean => p === 'random' || p === 'shuffle' || p === 'noise';

/** The noise scale (in layer standard deviations) at a point of the fraction axis. */
export const noiseScale = (fraction: number): number => (2 * fraction) / 0.95;

/** The fractions of the study: 0 to 0.95 in steps of 0.05. */
export const FRACTIONS: readonly number[] = Array.from({ length: 20 }, (_, i) => Math.round(i * 5) / 100);

/** A graph network's hidden (non-readout) layers: what the study perturbs. */
export function hiddenLayers(model: GraphNet): Layer[] {
  const hidden = new Set(layerSpecs(model.cfg).filter((s) => !s.readout).map((s) => s.name));
  return model.layers.filter((l) => hidden.has(l.name));
}

/**
 * A network's hidden layers with their trained weights kept aside, perturbed in place and restored. Any
 * list of layers: the graph network's (`PerturbableNet.ofGraphNet`) or the image MLP's hidden ones.
 */
export class PerturbableNet {
  private readonly original: Float32Array[];
  /** Per layer: connection indices by |w| descending (ties by index). */
  private readonly order: Int32Array[];
  private readonly std: number[];

  static ofGraphNet(model: GraphNet): PerturbableNet {
    return new PerturbableNet(hiddenLayers(model));
  }

  constructor(readonly layers: Layer[]) {
    this.original = this.layers.map((l) => l.weight.data.slice());
    this.order = this.original.map((w) => Int32Array.from(w.keys()).sort((a, b) => Math.abs(w[b]) - Math.abs(w[a]) || a - b));
    this.std = this.original.map((w) => {
      let s = 0, q = 0;
      for (const x of w) { s += x; q += x * x; }
      const m = s / w.length;
      return Math.sqrt(Math.max(0, q / w.length - m * m));
    });
  }

  /** Connections that can be perturbed (the hidden layers' weights). */
  get connections(): number {
    return this.original.reduce((a, w) => a + w.length, 0);
  }

  restore(): void {
    this.layers.forEach((l, i) => l.weight.data.set(this.original[i]));
  }

  /** Applies one perturbation at `fraction` to the trained weights (the previous one is undone first). */
  apply(p: Perturbation, fraction: number, rng: Rng): void {
    if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`fraction must be in [0, 1], got ${fraction}`);
    this.restore();
    this.layers.forEach((l, i) => {
      const w = l.weight.data, n = w.length, k = Math.round(fraction * n);
      switch (p) {
        case 'random':
          for (const j of sampleDistinct(n, k, rng)) w[j] = 0;
          break;
        case 'weight':
          for (let r = 0; r < k; r++) w[this.order[i][r]] = 0;
          break;
        case 'reverse':
          for (let r = 0; r < k; r++) w[this.order[i][n - 1 - r]] = 0;
          break;
        case 'shuffle': {
          const at = sampleDistinct(n, k, rng);
          const vals = rng.shuffle(Float32Array.from(at, (j) => w[j]));
          at.forEach((j, t) => (w[j] = vals[t]));
          break;
        }
        case 'noise': {
          const s = noiseScale(fraction) * this.std[i];
          if (s > 0) for (let j = 0; j < n; j++) w[j] += s * rng.normal();
          break;
        }
      }
    });
  }
}
