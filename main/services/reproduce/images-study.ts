// The image half of `gridrewire reproduce` (issue 16): the sparse MLP
// 784-1000-1000-1000-10 of Sulyok et al. at 1% density (uniform per hidden
// layer, as the papers' 99% sparsity), trained with SET, CH3-L3 and RigL
// regrowth, and dense, on Fashion-MNIST or MNIST, seeds per method; each
// finished run goes to the RunStore under a key that names it completely,
// and its state after every epoch to the CheckpointStore, so a stopped study
// resumes where it was.

import { createHash } from 'node:crypto';
import { decodeCheckpoint, encodeCheckpoint } from '../../core/learn/mlp/checkpoint-codec';
import { MLP_METHODS, type MlpMethod, type MlpTrainConfig, defaultMlpConfig, trainMlp } from '../../core/learn/mlp/train';
import type { ReproduceDataset, ReproduceOptions, ReproduceRow, ReproduceRunner, RunOutcome } from '../../core/learn/reproduce/types';
import { type ImageDataset, loadImages } from './images';

export class ReproduceInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReproduceInputError';
  }
}

export const IMAGE_DATASETS: readonly ImageDataset[] = ['fashion-mnist', 'mnist'];
/** What `reproduce fashion-mnist` runs without flags: a run of ~40 s per epoch each on this machine (see README). */
export const IMAGE_DEFAULTS = { methods: ['set', 'ch3l3'] as MlpMethod[], epochs: 20, seeds: 1, sparsity: 0.99 };
/** Test accuracy whose first epoch is reported, per dataset (Fashion-MNIST: the 85%). */
export const ACCURACY_MARK: Record<ImageDataset, number> = { 'fashion-mnist': 0.85, mnist: 0.95 };

export interface ImageStudyPlan {
  dataset: ImageDataset;
  methods: MlpMethod[];
  sparsities: number[];
  seeds: number;
  splitSeed: number;
  limit: number | null;
  /** The training configuration shared by every run (method, density and seed set per run). */
  base: Omit<MlpTrainConfig, 'method' | 'density' | 'seed'>;
  hash: string;
}

/** Checks the options and names everything a run depends on; throws ReproduceInputError for a bad one. */
export function planImageStudy(dataset: ReproduceDataset, o: ReproduceOptions): ImageStudyPlan {
  if (!IMAGE_DATASETS.includes(dataset as ImageDataset)) throw new ReproduceInputError(`the image study runs ${IMAGE_DATASETS.join(', ')}, not '${dataset}'`);
  const ds = dataset as ImageDataset;
  const methods = (o.methods ?? IMAGE_DEFAULTS.methods) as MlpMethod[];
  for (const m of methods) if (!MLP_METHODS.includes(m)) throw new ReproduceInputError(`unknown method '${m}' for ${ds}: choose from ${MLP_METHODS.join(', ')}`);
  if (methods.length === 0) throw new ReproduceInputError('no method to run');
  const epochs = o.epochs ?? IMAGE_DEFAULTS.epochs;
  if (!(Number.isInteger(epochs) && epochs >= 1 && epochs <= 1000)) throw new ReproduceInputError(`epochs must be a whole number from 1 to 1000, got ${epochs}`);
  const seeds = o.seeds ?? IMAGE_DEFAULTS.seeds;
  if (!(Number.isInteger(seeds) && seeds >= 1 && seeds <= 100)) throw new ReproduceInputError(`seeds must be a whole number from 1 to 100, got ${seeds}`);
  const sparsities = o.sparsities ?? [IMAGE_DEFAULTS.sparsity];
  for (const s of sparsities) if (!(s > 0 && s < 1)) throw new ReproduceInputError(`sparsity must be in (0, 1), got ${s}`);
  if (o.limit !== undefined && !(Number.isInteger(o.limit) && o.limit >= 1)) throw new ReproduceInputError(`limit must be a whole number of at least 1, got ${o.limit}`);
  const splitSeed = o.seed ?? 1;
  const { hidden, batchSize, lr, momentum, weightDecay, lrCosine, zeta } = defaultMlpConfig;
  const base = { hidden, epochs, batchSize, lr, momentum, weightDecay, lrCosine, zeta, mark: ACCURACY_MARK[ds] };
  const limit = o.limit ?? null;
  const hash = createHash('sha256').update(JSON.stringify({ ds, base, splitSeed, limit, dataDir: o.dataDir ?? null })).digest('hex').slice(0, 12);
  return { dataset: ds, methods, sparsities, seeds, splitSeed, limit, base, hash };
}

/** The full name of one run: what the RunStore and the checkpoints are keyed by. */
export function imageRunKey(p: ImageStudyPlan, method: MlpMethod, sparsity: number, seed: number): string {
  return `${p.dataset}:${method}:sparsity=${sparsity}:seed=${seed}:cfg=${p.hash}`;
}

/** The rows a plan makes: dense once at sparsity 0, each sparse method at each sparsity. */
export function planRows(p: ImageStudyPlan): { method: MlpMethod; sparsity: number }[] {
  return p.methods.flatMap((m): { method: MlpMethod; sparsity: number }[] => (m === 'dense' ? [{ method: m, sparsity: 0 }] : p.sparsities.map((s) => ({ method: m, sparsity: s }))));
}

export function runConfig(p: ImageStudyPlan, method: MlpMethod, sparsity: number, seed: number): MlpTrainConfig {
  return { ...p.base, method, density: method === 'dense' ? 1 : 1 - sparsity, seed };
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]) => (v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1)) : 0);

export const runImagesStudy: ReproduceRunner = async (dataset, opts, hooks) => {
  const plan = planImageStudy(dataset, opts);
  const t0 = Date.now();
  const data = loadImages(plan.dataset, { seed: plan.splitSeed, limit: plan.limit ?? undefined, dataDir: opts.dataDir });
  const rows: ReproduceRow[] = [];
  for (const { method, sparsity } of planRows(plan)) {
    const outcomes: RunOutcome[] = [];
    for (let seed = 1; seed <= plan.seeds; seed++) {
      if (opts.signal?.aborted) break;
      const key = imageRunKey(plan, method, sparsity, seed);
      const done = hooks.runStore?.get(key);
      if (done) { outcomes.push(done); continue; }
      const saved = hooks.checkpoints?.load(key);
      const run = await trainMlp(data.train, data.test, runConfig(plan, method, sparsity, seed), {
        signal: opts.signal,
        resumeFrom: saved ? decodeCheckpoint(saved) : undefined,
        checkpoint: (c) => hooks.checkpoints?.save(key, c.epoch, encodeCheckpoint(c)),
        onEpoch: (e) => hooks.onProgress?.({ dataset: plan.dataset, method, sparsity, run: seed, runs: plan.seeds, epoch: e.epoch, epochs: e.epochs, trainLoss: e.trainLoss, accuracy: e.accuracy }),
      });
      if (run.stopped) break;
      const outcome: RunOutcome = { accuracy: run.accuracy, params: run.params, epochs: run.epochs, seconds: run.seconds, epochsToMark: run.epochsToMark, curve: run.curve };
      hooks.runStore?.put(key, outcome);
      outcomes.push(outcome);
    }
    if (outcomes.length < plan.seeds) break; // stopped: a row is only printed whole
    const marks = outcomes.map((o) => o.epochsToMark ?? null);
    const reached = marks.filter((m): m is number => m !== null);
    const row: ReproduceRow = {
      method, sparsity,
      accuracy: mean(outcomes.map((o) => o.accuracy)),
      std: sd(outcomes.map((o) => o.accuracy)),
      params: Math.round(mean(outcomes.map((o) => o.params))),
      epochs: mean(outcomes.map((o) => o.epochs)),
      seconds: mean(outcomes.map((o) => o.seconds)),
      runs: outcomes.length,
      // Null unless every run reached the mark (a mean over the runs that did would flatter).
      epochsToMark: reached.length === marks.length ? mean(reached) : null,
    };
    rows.push(row);
    hooks.onRow?.(row);
  }
  return {
    dataset: plan.dataset,
    rows,
    config: {
      architecture: `${[784, ...plan.base.hidden, 10].join('-')} MLP, ReLU, dense readout, softmax cross-entropy`,
      masks: 'uniform per hidden layer (each keeps 1 - sparsity of its pairs), random (Erdos-Renyi) at start',
      optimizer: `SGD momentum ${plan.base.momentum}, lr ${plan.base.lr}${plan.base.lrCosine ? ' cosine to 5%' : ''}, weight decay ${plan.base.weightDecay}, batch ${plan.base.batchSize}`,
      rewiring: `every epoch, zeta ${plan.base.zeta} fixed (set, ch3l3), cosine to 0 at 75% (rigl); regrown weights start at 0`,
      inputs: 'pixels scaled to [0, 1], no other normalisation',
      epochs: plan.base.epochs, seeds: plan.seeds, splitSeed: plan.splitSeed, limit: plan.limit, mark: plan.base.mark,
      methods: plan.methods, sparsities: plan.sparsities, configHash: plan.hash,
      train: data.train.n, test: data.test.n,
    },
    split: data.split + (plan.limit !== null ? `, first ${plan.limit} of each set` : '') + `, seed ${plan.splitSeed}`,
    seconds: (Date.now() - t0) / 1000,
  };
};
