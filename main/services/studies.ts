// Studies of a trained surrogate, as a service: robustness (how its test
// figures degrade under perturbations of its connections), the graphon of
// its sparse layers' masks (before and after training), and compression
// (compress.ts). Each study is kept in the store with the model, keyed by its
// configuration, so the app reads it back instead of running it again.
//
// What it needs: the store. The long studies are cooperative (they yield,
// report progress, stop at an abort and are then not stored).

import { L_INSECURE, labelLength } from '../core/learn/grid-data';
import { defaultWorkers } from '../jobs/pool';
import { RobustnessWorkers } from '../jobs/robustness-job';
import { Rng } from '../core/learn/rng';
import { SparseLayer, csrFromPositions } from '../core/learn/sparse';
import { layerGraphon, type LayerGraphon } from '../core/learn/studies/graphon';
import { initialModel } from '../core/learn/studies/initial-masks';
import { PERTURBATIONS, type Perturbation } from '../core/learn/studies/perturb';
import { robustnessCurves } from '../core/learn/studies/robustness';
import type { GraphNet } from '../core/learn/gnn';
import type { TrainerConfigInput } from '../core/learn/trainer';
import { LearnError } from '../core/learn/errors';
import type { LayerMask, Store } from '../store';
import { StudyError, studyData, studyModel } from './study-data';

export { StudyError } from './study-data';
export type { RobustnessStudy, GraphonStudy } from '../core/learn/studies/types';
import type { RobustnessStudy, GraphonStudy } from '../core/learn/studies/types';

export interface StudyProgress {
  stage: string;
  done: number;
  total: number;
  rate: number;
  etaSeconds: number;
}

export interface StudyControl {
  onProgress?: (p: StudyProgress) => void;
  signal?: AbortSignal;
}

export interface RobustnessRequest {
  model: number;
  perturbations?: readonly Perturbation[];
  draws?: number;
  seed?: number;
  /** Test outages evaluated: every insecure one and secure ones drawn up to this many (0: all). */
  outages?: number;
  /** Threads evaluating (this one and workers; default: every core). The figures do not depend on it. */
  workers?: number;
}

/** Default test outages a robustness point evaluates (a full study of a case_ACTIVSg200 model then takes under 2 minutes). */
export const ROBUSTNESS_OUTAGES = 500;



export function robustnessKey(c: { perturbations: readonly string[]; draws: number; seed: number; outages: number }): string {
  return `perturbations:${c.perturbations.join(',')}:draws:${c.draws}:seed:${c.seed}:outages:${c.outages}`;
}

export const graphonKey = (blocks: number): string => `blocks:${blocks}`;

const wholeAtLeast = (name: string, v: number, min: number) => {
  if (!(Number.isInteger(v) && v >= min)) throw new StudyError(`${name} must be a whole number of at least ${min}, got ${v}`);
};

export class Studies {
  constructor(private readonly store: Store) {}

  /** The robustness study of a model, kept with it unless cancelled. */
  async robustness(req: RobustnessRequest, ctl: StudyControl = {}): Promise<RobustnessStudy> {
    const t0 = performance.now();
    const perturbations = [...(req.perturbations ?? PERTURBATIONS)];
    const draws = req.draws ?? 5, seed = req.seed ?? 1, outages = req.outages ?? ROBUSTNESS_OUTAGES;
    if (perturbations.length === 0) throw new StudyError('name at least one perturbation');
    for (const p of perturbations) if (!PERTURBATIONS.includes(p)) throw new StudyError(`unknown perturbation '${p}' (one of ${PERTURBATIONS.join(', ')})`);
    if (new Set(perturbations).size !== perturbations.length) throw new StudyError('a perturbation is named twice');
    wholeAtLeast('draws', draws, 1);
    wholeAtLeast('seed', seed, 0);
    wholeAtLeast('outages', outages, 0);
    const workers = req.workers ?? defaultWorkers();
    wholeAtLeast('workers', workers, 1);
    const d = studyData(this.store, req.model, { outages, seed });
    const s = d.surrogate;
    // The other threads hold the model and the evaluated outages' labels; this one evaluates too.
    const group = workers > 1 ? await RobustnessWorkers.start({ packed: d.dataset.packed, norm: s.config.normaliser, indices: d.indices, labels: labelsOf(d), model: s.model, weight: d.sample.weight, threshold: d.threshold }, workers - 1) : null;
    let r: Awaited<ReturnType<typeof robustnessCurves>>;
    try {
      r = await robustnessCurves(s.model, d.evaluate, {
        perturbations, draws, seed, threshold: d.threshold, weight: d.sample.weight, signal: ctl.signal, remote: group?.evaluators,
        onProgress: (done, total) => {
          const sec = (performance.now() - t0) / 1000, rate = done / Math.max(sec, 1e-9);
          ctl.onProgress?.({ stage: 'perturbations', done, total, rate, etaSeconds: (total - done) / rate });
        },
      });
    } finally {
      await group?.close();
    }
    const study: RobustnessStudy = {
      format: 'gridrewire-robustness', version: 1, modelId: req.model, modelName: s.name, method: s.config.method, regrow: s.config.regrow, sparsity: s.config.sparsity,
      config: {
        perturbations, draws, seed, outages, workers, evaluated: d.indices.length, testOutages: d.test.length, insecure: countInsecure(d), threshold: d.threshold,
        fractions: r.curves[0]?.points.map((p) => p.fraction) ?? [],
      },
      connections: r.connections, curves: r.curves, evaluations: r.evaluations, seconds: (performance.now() - t0) / 1000, cancelled: r.cancelled,
    };
    if (!r.cancelled) this.store.results.put(req.model, 'robustness', robustnessKey({ perturbations, draws, seed, outages }), study);
    return study;
  }

  /** The graphon estimate of every sparse layer of a model, before and after training; kept with it. */
  graphon(req: { model: number; blocks?: number }): GraphonStudy {
    const t0 = performance.now();
    const blocks = req.blocks ?? 32;
    wholeAtLeast('blocks', blocks, 1);
    const s = studyModel(this.store, req.model);
    const layers = graphonLayers(s.model, blocks);
    const runId = this.store.models.get(req.model)?.trainingRunId ?? null;
    let initial: GraphonStudy['initial'] = null;
    const run = runId === null ? undefined : this.store.training.get(runId);
    const trainer = (run?.config as { trainer?: TrainerConfigInput } | undefined)?.trainer;
    if (runId !== null && trainer) {
      try {
        initial = { trainingRunId: runId, layers: graphonLayers(initialModel(trainer), blocks) };
      } catch (e) {
        if (!(e instanceof LearnError)) throw e; // a damaged run config: the trained masks are still shown
      }
    }
    const epochs = runId === null ? [] : this.store.training.getMasks(runId).map((e) => ({
      epoch: e.epoch,
      layers: e.layers.map((m) => epochGraphon(m, blocks, [...layers, ...(initial?.layers ?? [])])),
    }));
    const study: GraphonStudy = {
      format: 'gridrewire-graphon', version: 1, modelId: req.model, modelName: s.name, method: s.config.method, regrow: s.config.regrow,
      blocks, layers, initial, epochs, seconds: (performance.now() - t0) / 1000,
    };
    this.store.results.put(req.model, 'graphon', graphonKey(blocks), study);
    return study;
  }

  /** A stored study of a model (the newest of its kind when no key is given). */
  stored<T>(model: number, kind: 'robustness' | 'graphon' | 'compression', key?: string): T | null {
    if (key !== undefined) return (this.store.results.get(model, kind, key)?.doc as T | undefined) ?? null;
    const all = this.store.results.list(model, kind);
    return all.length ? (all[all.length - 1].doc as T) : null;
  }
}

/** Random masks per layer for the graphon's null distance. */
export const GRAPHON_NULL_DRAWS = 16;

function graphonLayers(model: GraphNet, blocks: number): LayerGraphon[] {
  // The null's masks are the same for the same layer shapes, whatever the model.
  const rng = new Rng(1);
  return model.layers.filter((l): l is SparseLayer => l instanceof SparseLayer).map((l) => layerGraphon(l.name, l, blocks, { rng, draws: GRAPHON_NULL_DRAWS }));
}

/**
 * The graphon of one layer's mask at a stored epoch. Its null (random masks
 * of the same shape and connection count) is taken from a layer of the model
 * or its start with that shape and count (rewiring keeps the count, so that
 * is the usual case), else drawn as graphonLayers draws it.
 */
function epochGraphon(m: LayerMask, blocks: number, known: readonly LayerGraphon[]): LayerGraphon {
  const { rowPtr, col } = csrFromPositions(m.nIn, m.nOut, m.positions);
  const shape = { nIn: m.nIn, nOut: m.nOut, rowPtr, col };
  const twin = known.find((g) => unitsOf(g, m) && Math.round(g.p * m.nIn * m.nOut) === m.positions.length);
  if (!twin) return layerGraphon(m.layer, shape, blocks, { rng: new Rng(1), draws: GRAPHON_NULL_DRAWS });
  return { ...layerGraphon(m.layer, shape, blocks), nullDistance: twin.nullDistance, nullSpread: twin.nullSpread };
}

const unitCount = (h: { counts: number[] }) => h.counts.reduce((a, b) => a + b, 0);
const unitsOf = (g: LayerGraphon, m: LayerMask) => unitCount(g.inDegree) === m.nIn && unitCount(g.outDegree) === m.nOut;

/** The labels of the evaluated outages, [indices x labelLength], for the worker threads. */
function labelsOf(d: ReturnType<typeof studyData>): Float32Array {
  const L = labelLength(d.dataset.packed.nb, d.dataset.packed.nl), out = new Float32Array(d.indices.length * L);
  d.indices.forEach((i, j) => out.set(d.data.labels(i), j * L));
  return out;
}

function countInsecure(d: ReturnType<typeof studyData>): number {
  let n = 0;
  for (const i of d.indices) if (d.data.head(i)[L_INSECURE]) n++;
  return n;
}
