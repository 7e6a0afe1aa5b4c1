// Per-layer densities from one global sparsity, and random initial masks.
// ERK (Evci et al. 2020, after Mocanu's Erdos-Renyi): density_l is
// proportional to (in + out) / (in * out), scaled so that the kept weights
// add up to (1 - sparsity) of all weights; a layer whose density would pass
// 1 is made dense and the rest rescaled, until none exceeds 1.

import { LearnError } from './errors';
import type { Rng } from './rng';
import { sampleDistinct } from './select';

export interface LayerShape {
  nIn: number;
  nOut: number;
}

export type DensityRule = 'erk' | 'uniform';

/** Densities in (0, 1], one per layer, whose kept total matches the budget. */
export function layerDensities(shapes: readonly LayerShape[], sparsity: number, rule: DensityRule = 'erk'): number[] {
  if (!(sparsity >= 0 && sparsity < 1)) throw new LearnError('bad-config', `sparsity must be in [0, 1), got ${sparsity}`);
  const density = 1 - sparsity;
  if (rule === 'uniform') return shapes.map(() => density);
  const n = shapes.map((s) => s.nIn * s.nOut);
  const raw = shapes.map((s) => (s.nIn + s.nOut) / (s.nIn * s.nOut));
  const budget = density * n.reduce((a, b) => a + b, 0);
  const dense = new Set<number>();
  for (;;) {
    let fixed = 0, divisor = 0;
    for (let l = 0; l < shapes.length; l++) {
      if (dense.has(l)) fixed += n[l];
      else divisor += raw[l] * n[l];
    }
    if (divisor === 0) return shapes.map(() => 1);
    const eps = (budget - fixed) / divisor;
    let worst = -1, worstD = 1;
    for (let l = 0; l < shapes.length; l++) {
      if (dense.has(l)) continue;
      const d = eps * raw[l];
      if (d > worstD) {
        worstD = d;
        worst = l;
      }
    }
    if (worst < 0) return shapes.map((_, l) => (dense.has(l) ? 1 : eps * raw[l]));
    dense.add(worst);
  }
}

/** Integer connection counts per layer (at least 1, at most in*out). */
export function layerConnectionCounts(shapes: readonly LayerShape[], densities: readonly number[]): number[] {
  return shapes.map((s, l) => Math.min(s.nIn * s.nOut, Math.max(1, Math.round(densities[l] * s.nIn * s.nOut))));
}

/** Sorted random positions (o * nIn + i) of `count` connections. */
export function randomMask(shape: LayerShape, count: number, rng: Rng): Int32Array {
  return sampleDistinct(shape.nIn * shape.nOut, count, rng);
}
