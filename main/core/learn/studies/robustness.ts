// The robustness study: for each perturbation and each fraction, the test
// figures of the perturbed network, averaged over draws (random ones) with
// their spread. Fraction 0 is the unperturbed network, evaluated once for all
// curves; a deterministic perturbation (weight, reverse) is evaluated once per
// point. Cooperative: it yields between evaluations, reports progress and
// stops at an abort, returning what it has marked cancelled.
//
// The perturbed weights are drawn here, in one fixed order, whoever evaluates
// them: with `remote` evaluators (worker threads holding the same model and
// outages) each evaluation goes to a free one or, when none is free, is done
// here, and the figures land by position, so they are the same bits with any
// number of threads.

import { GraphNet } from '../gnn';
import { DenseLayer } from '../dense';
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
  /** Evaluators of the same model and outages elsewhere (worker threads), given the perturbed layers' weights. */
  remote?: readonly RemoteEvaluator[];
}

/** Figures of the model with its perturbed (hidden) layers' weights replaced by `weights`, in PerturbableNet's layer order. */
export interface RemoteEvaluator {
  measure(weights: Float32Array[], compact: boolean): Promise<StudyMetrics>;
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
  const fractions = (o.fractions ?? FRACTIONS).filter((f) => f > 0);
  const net = PerturbableNet.ofGraphNet(model);
  const perPoint = (p: Perturbation) => (isRandom(p) ? o.draws : 1);
  // Every evaluation in order: [perturbation][fraction][draw].
  const tasks: { p: Perturbation; f: number }[] = [];
  for (const p of o.perturbations) for (const f of fractions) for (let d = 0; d < perPoint(p); d++) tasks.push({ p, f });
  const total = 1 + tasks.length;
  let done = 0, cancelled = false;
  const tick = async () => {
    done++;
    o.onProgress?.(done, total);
    // A timer, not setImmediate: core code is also type-checked for the window (no Node types).
    await new Promise<void>((r) => setTimeout(r, 0));
    if (o.signal?.aborted) cancelled = true;
  };
  // Removed connections leave the layers before evaluating: the same sums (a zero weight adds 0), less work.
  const measure = (compact: boolean) => studyMetrics(evaluate(compact ? withoutZeros(model) : model), o.weight, o.threshold);
  const results: (StudyMetrics | undefined)[] = new Array(tasks.length);
  let clean: StudyMetrics;
  try {
    clean = measure(false);
    await tick();
    const idle = [...(o.remote ?? [])];
    const running = new Set<Promise<void>>();
    let failure: unknown = null;
    // One stream per perturbation: a curve does not depend on which others were asked for.
    const rngs = new Map(o.perturbations.map((p) => [p, new Rng((Math.imul(o.seed, 0x9e3779b1) ^ PERTURB_SALT[p]) >>> 0)]));
    for (let t = 0; t < tasks.length && !cancelled && failure === null; t++) {
      const { p, f } = tasks[t];
      net.apply(p, f, rngs.get(p)!);
      const compact = REMOVES.has(p);
      const w = idle.pop();
      if (w) {
        const at = t;
        const job = w.measure(net.layers.map((l) => l.weight.data.slice()), compact).then(
          async (m) => { results[at] = m; idle.push(w); await tick(); },
          (e) => { failure ??= e; },
        ).finally(() => running.delete(job));
        running.add(job);
        if (idle.length > 0) continue;
        // Every thread busy: this one evaluates the next point meanwhile, unless there is none.
        if (t + 1 >= tasks.length) break;
        t++;
        const next = tasks[t];
        net.apply(next.p, next.f, rngs.get(next.p)!);
        results[t] = measure(REMOVES.has(next.p));
        await tick();
        // Then wait for a thread to come free before drawing more.
        while (idle.length === 0 && running.size > 0) await Promise.race(running);
      } else {
        results[t] = measure(compact);
        await tick();
      }
    }
    await Promise.all(running);
    if (failure !== null) throw failure;
  } finally {
    net.restore();
  }
  // The points, from the evaluations done (a cancelled study ends at its first missing one).
  const curves: RobustnessCurve[] = [];
  let t = 0, complete = true;
  for (const p of o.perturbations) {
    if (!complete) break;
    const points: RobustnessPoint[] = [];
    const noise = (f: number) => (p === 'noise' ? { scale: noiseScale(f) } : {});
    if ((o.fractions ?? FRACTIONS).includes(0)) points.push({ fraction: 0, ...noise(0), ...clean, spread: 0, spreads: { accuracy: 0, balancedAccuracy: 0, recall: 0, loadingMae: 0 }, draws: 1 });
    for (const f of fractions) {
      const ms: StudyMetrics[] = [];
      for (let d = 0; d < perPoint(p); d++, t++) {
        const m = results[t];
        if (m && complete) ms.push(m);
        else complete = false;
      }
      if (ms.length === 0) break;
      const { mean, sd } = meanAndSpread(ms);
      points.push({ fraction: f, ...noise(f), ...mean, spread: sd.balancedAccuracy, spreads: sd, draws: ms.length });
      if (!complete) break;
    }
    curves.push({ perturbation: p, points });
  }
  return { curves, connections: net.connections, evaluations: done, cancelled };
}

const REMOVES = new Set<Perturbation>(['random', 'weight', 'reverse']);

/**
 * The network with every zero-weight connection of its hidden layers dropped
 * (weights shared with the original where nothing is dropped). A dense layer
 * with zeros becomes a sparse one of its other connections: inference packs
 * a dense layer as the full pattern in the same order, so the sums are the
 * same less the zero terms.
 */
export function withoutZeros(model: GraphNet): GraphNet {
  const layers = model.layers.map((l) => {
    if (!(l instanceof SparseLayer || l instanceof DenseLayer)) return l;
    const w = l.weight.data;
    if (!w.includes(0)) return l;
    const ptr = new Int32Array(l.nOut + 1), col: number[] = [], kept: number[] = [];
    for (let o = 0; o < l.nOut; o++) {
      if (l instanceof SparseLayer) {
        for (let k = l.rowPtr[o]; k < l.rowPtr[o + 1]; k++) if (w[k] !== 0) { col.push(l.col[k]); kept.push(w[k]); }
      } else {
        for (let i = 0, k = o * l.nIn; i < l.nIn; i++, k++) if (w[k] !== 0) { col.push(i); kept.push(w[k]); }
      }
      ptr[o + 1] = col.length;
    }
    return new SparseLayer(l.name, l.nIn, l.nOut, ptr, Int32Array.from(col), Float32Array.from(kept), l.bias.data);
  });
  return new GraphNet(model.cfg, layers);
}

/** Fixed per-perturbation salts of the seed. */
const PERTURB_SALT: Record<Perturbation, number> = { random: 0x9e3779b9, weight: 0x85ebca6b, reverse: 0xc2b2ae35, shuffle: 0x27d4eb2f, noise: 0x165667b1 };
