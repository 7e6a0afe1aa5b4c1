// The robustness study: for each perturbation and each fraction, the test
// figures of the perturbed network, averaged over draws (random ones) with
// their spread. Fraction 0 is the unperturbed network, evaluated once for all
// curves; a deterministic perturbation (weight, reverse) is evaluated once per
// point. Cooperative: it yields between evaluations, reports progress and
// stops at an abort, returning what it has marked cancelled.

import { GraphNet } from '../gnn';
import { SparseLayer } from '../sparse';
import { Rng } from '../rng';
import type { SurrogateEvaluation } from '../surrogate';
import { studyMetrics, type StudyMetrics } from './evaluation';
import { FRACTIONS, PerturbableNet, isRandom, noiseScale, type Perturbation } from './perturb';

export interface RobustnessPoint extends StudyMetrics {
  fraction: number;
  /** Noise only: the scale in layer standard deviations. */
  scale?: number;
  /** Standard deviation over draws of the balanced accuracy (0 with one draw). */
  spread: number;
  /** Standard deviation over draws of each figure (the chart's bands). */
  spreads: StudyMetrics;
  draws: number;
}

export interface RobustnessCurve {
  perturbation: Perturbation;
  points: RobustnessPoint[];
}

export interface RobustnessOptions {
  perturbations: readonly Perturbation[];
  draws: number;
  seed: number;
  fractions?: readonly number[];
  threshold: number;
  /** Weights of the evaluated samples (null: 1 each). */
  weight: ArrayLike<number> | null;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface RobustnessCurves {
  curves: RobustnessCurve[];
  /** Connections the perturbations act on (every hidden layer's weights). */
  connections: number;
  evaluations: number;
  cancelled: boolean;
}

const FIGURES = ['accuracy', 'balancedAccuracy', 'recall', 'loadingMae'] as const;

function meanAndSpread(ms: StudyMetrics[]): { mean: StudyMetrics; sd: StudyMetrics } {
  const mean = {} as StudyMetrics, sd = {} as StudyMetrics;
  for (const f of FIGURES) {
    const v = ms.map((m) => m[f]);
    const mu = v.reduce((a, b) => a + b, 0) / v.length;
    mean[f] = mu;
    sd[f] = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mu) ** 2, 0) / (v.length - 1)) : 0;
  }
  return { mean, sd };
}

/** Runs the study on `model` (its weights are perturbed in place and restored at the end). */
export async function robustnessCurves(model: GraphNet, evaluate: (m: GraphNet) => SurrogateEvaluation, o: RobustnessOptions): Promise<RobustnessCurves> {
  const fractions = o.fractions ?? FRACTIONS;
  const net = new PerturbableNet(model);
  const perPoint = (p: Perturbation) => (isRandom(p) ? o.draws : 1);
  const total = 1 + o.perturbations.reduce((a, p) => a + fractions.filter((f) => f > 0).length * perPoint(p), 0);
  let done = 0, cancelled = false;
  const tick = async () => {
    done++;
    o.onProgress?.(done, total);
    // A timer, not setImmediate: core code is also type-checked for the window (no Node types).
    await new Promise<void>((r) => setTimeout(r, 0));
    if (o.signal?.aborted) cancelled = true;
  };
  // Removed connections leave the sparse layers before evaluating: the same sums (a zero weight adds 0), less work.
  const measure = (p?: Perturbation) => studyMetrics(evaluate(p && REMOVES.has(p) ? withoutZeros(model) : model), o.weight, o.threshold);
  const curves: RobustnessCurve[] = [];
  try {
    const clean = measure();
    await tick();
    for (const p of o.perturbations) {
      // One stream per perturbation: a curve does not depend on which others were asked for.
      const rng = new Rng((Math.imul(o.seed, 0x9e3779b1) ^ PERTURB_SALT[p]) >>> 0);
      const points: RobustnessPoint[] = [];
      for (const f of fractions) {
        if (cancelled) break;
        const scale = p === 'noise' ? { scale: noiseScale(f) } : {};
        if (f === 0) {
          points.push({ fraction: 0, ...scale, ...clean, spread: 0, spreads: { accuracy: 0, balancedAccuracy: 0, recall: 0, loadingMae: 0 }, draws: 1 });
          continue;
        }
        const ms: StudyMetrics[] = [];
        for (let d = 0; d < perPoint(p) && !cancelled; d++) {
          net.apply(p, f, rng);
          ms.push(measure(p));
          await tick();
        }
        if (ms.length === 0) break;
        const { mean, sd } = meanAndSpread(ms);
        points.push({ fraction: f, ...scale, ...mean, spread: sd.balancedAccuracy, spreads: sd, draws: ms.length });
      }
      curves.push({ perturbation: p, points });
      if (cancelled) break;
    }
  } finally {
    net.restore();
  }
  return { curves, connections: net.connections, evaluations: done, cancelled };
}

const REMOVES = new Set<Perturbation>(['random', 'weight', 'reverse']);

/** The network with every zero-weight connection of its sparse layers dropped (weights shared with the original where nothing is dropped). */
function withoutZeros(model: GraphNet): GraphNet {
  const layers = model.layers.map((l) => {
    if (!(l instanceof SparseLayer)) return l;
    const w = l.weight.data;
    if (!w.includes(0)) return l;
    const ptr = new Int32Array(l.nOut + 1), col: number[] = [], kept: number[] = [];
    for (let o = 0; o < l.nOut; o++) {
      for (let k = l.rowPtr[o]; k < l.rowPtr[o + 1]; k++) if (w[k] !== 0) { col.push(l.col[k]); kept.push(w[k]); }
      ptr[o + 1] = col.length;
    }
    return new SparseLayer(l.name, l.nIn, l.nOut, ptr, Int32Array.from(col), Float32Array.from(kept), l.bias.data);
  });
  return new GraphNet(model.cfg, layers);
}

/** Fixed per-perturbation salts of the seed. */
const PERTURB_SALT: Record<Perturbation, number> = { random: 0x9e3779b9, weight: 0x85ebca6b, reverse: 0xc2b2ae35, shuffle: 0x27d4eb2f, noise: 0x165667b1 };
