// Train the N-1 surrogate on a stored dataset: data-parallel gradients on
// worker threads, the topology method after each epoch, every epoch and a
// checkpoint committed to the store (so a killed or cancelled run resumes
// exactly), then the decision threshold chosen on validation data, test
// metrics, and the model saved with them.
//
// Gradients and evaluation are incremental (core/learn/incremental-training:
// the base graph once per scenario and batch, each outage over the rows it
// reaches), batches are groups of one scenario each, and the labels stream
// from the store a window of scenarios at a time (training-data.ts): a
// worker receives the labels of its share of each batch with the weights.

import { z } from 'zod';
import type { SurrogateModelConfig } from '../core/learn/case-predictor';
import { acStepRecords, type FeatureOptions } from '../core/grid/features';
import { L_INSECURE, SurrogateSamples, fitNormaliser, labelLength, type Normaliser } from '../core/learn/grid-data';
import { serializeModel, type Blob } from '../core/learn/serialize';
import { REGROW_RULES, type RegrowRule } from '../core/learn/rewire';
import { TOPOLOGY_METHODS, resolveTopology, type TopologyMethod } from '../core/learn/schedule';
import {
  acStepReadout, classBalance, evaluateSurrogate, type ClassBalance, hiddenSparsityFor, insecureFractionByScenario, paramsOf, regressionErrors, subsetEvaluation,
  surrogateLoss, surrogateModel, verdictMetrics, type ParamsSummary, type SurrogateEvaluation, type VerdictMetrics,
} from '../core/learn/surrogate';
import {
  Trainer, resolveTrainerConfig, type BatchProgress, type EpochRecord, type GradientBuffers, type TrainData, type TrainerConfigInput, type TrainerState,
} from '../core/learn/trainer';
import { trainerConfigInput } from '../core/learn/trainer-checkpoint';
import { TrainingMasks } from './training-masks';
import { TfjsTraining } from '../core/learn/tfjs/training';
import { chooseBackend, type BackendChoice, type ChosenBackend } from './backend';
import { GradientGroup, type TrainInit } from '../jobs/train-job';
import { defaultWorkers } from '../jobs/pool';
import type { Checkpoint, Store, Tensors } from '../store';
import type { LoadedDataset } from './dataset';
import { streamDataset, type ScenarioLabelCache } from './training-data';
import { screenBandOf } from './screen-band';
import { chooseWeight, pilotSteps, weightCandidates, type WeightTrial } from '../core/learn/class-weight';
import { THRESHOLD_RULE, chooseThreshold } from '../core/learn/threshold';

export type { SurrogateModelConfig } from '../core/learn/case-predictor';

export class TrainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainError';
  }
}

export interface TrainOptions {
  method?: TopologyMethod;
  regrow?: RegrowRule;
  sparsity?: number;
  epochs?: number;
  seed?: number;
  batchSize?: number;
  patience?: number;
  lr?: number;
  hidden?: number;
  layers?: number;
  /** Largest weight of an insecure outage in the verdict loss (default POS_WEIGHT_CAP: the class ratio up to 1% insecure). */
  posWeightCap?: number;
  /**
   * The weight of an insecure outage in the verdict loss: a number, or
   * 'auto' to choose it on validation by pilots (class-weight.ts). Default:
   * the class ratio (classBalance).
   */
  posWeight?: number | 'auto';
  /** Optimiser steps of each class-weight pilot with posWeight 'auto'. Default: pilotSteps() of the run's planned steps. */
  pilotSteps?: number;
  /** Learning backend: 'cpu' ours, 'tfjs' the best TensorFlow.js one that loads, 'auto' (default) tfjs-node-gpu with CUDA, else ours. */
  backend?: BackendChoice;
}

export interface TrainRequest extends TrainOptions {
  store: Store;
  datasetId?: number;
  /** Continue this training run from its last checkpoint (its own options apply). */
  resume?: number;
  /** Threads computing gradients (the calling one included). Default: all cores. */
  workers?: number;
  name?: string;
  signal?: AbortSignal;
  onBatch?: (p: BatchProgress & { samplesPerSecond: number }) => void;
  onEpoch?: (r: EpochRecord) => void;
  /** Told the training run's id once it is stored (or taken over to resume), before its first step. */
  onRun?: (runId: number) => void;
  /** Told each class-weight pilot as it starts (trial null) and when it is scored on validation. */
  onPilot?: (p: { index: number; of: number; posWeight: number; steps: number; trial: WeightTrial | null }) => void;
  /** Stop after this many optimiser steps in this call, as a cancel would (tests of resume). */
  stopAfterSteps?: number;
  /** An already loaded dataset (compare trains several models on one). */
  loaded?: LoadedDataset;
}

export interface MetricsBlock extends VerdictMetrics {
  loadingMae: number;
  vmMae: number;
}

export interface TrainOutcome {
  runId: number;
  modelId: number | null;
  cancelled: boolean;
  method: TopologyMethod;
  regrow: RegrowRule;
  sparsity: number;
  epochs: number;
  bestEpoch: number;
  stopped: string;
  seconds: number;
  threshold: number;
  params: ParamsSummary;
  val: MetricsBlock | null;
  test: MetricsBlock | null;
  /** Test scenarios in which at least 10% of the judged outages are insecure. */
  testStressed: (MetricsBlock & { scenarios: number }) | null;
  /** The DC-LODF screen on the same test samples. */
  dc: { test: VerdictMetrics; testStressed: VerdictMetrics | null } | null;
  /** The verdict loss's class weighting (insecure and secure training samples, the insecure weight), as recorded with the model. */
  classBalance: ClassBalance;
  /** The learning backend that trained it and its device. */
  backend: { name: string; device: string };
}

interface RunConfig {
  format: 'gridrewire-train';
  version: 1;
  datasetId: number;
  method: TopologyMethod;
  regrow: RegrowRule;
  sparsity: number;
  trainer: TrainerConfigInput;
  /** How the verdict loss's class weight was chosen (the weight itself is in trainer.loss). */
  classWeight?: ClassWeightChoice;
  [key: string]: unknown;
}

/** The class weight a run trains with, and how it was chosen (recorded with the run and the model). */
interface ClassWeightChoice {
  chosenBy: 'validation' | 'ratio' | 'given';
  posWeight: number;
  trials?: WeightTrial[];
  pilotSteps?: number;
}

/**
 * A stressed operating point: at least this share of its non-islanded outages
 * insecure (issue 11's bar: 2%; on case_ACTIVSg2000 1% of all outages are).
 */
export const STRESSED_FRACTION = 0.02;

/**
 * Insecure recall the decision threshold aims at on validation
 * (core/learn/threshold.ts: its quantile, then lowered to the class
 * margin): above the 0.99 wanted on new operating points, because a
 * threshold at the edge of 0.99 on validation leaves about half of the new
 * points below it (case_ACTIVSg2000 default dataset, one order statistic:
 * 0.99 on validation, 0.9885 on the stressed test scenarios; at 0.995
 * 0.9954; case_ACTIVSg200 stressed 0.9824 -> 0.9882).
 */
export const MIN_RECALL = 0.995;

/** Bytes of labels training holds at once: the scenarios of the epoch's window (at least three). */
export const LABEL_CACHE_BYTES = 320 * 2 ** 20;


function block(ev: SurrogateEvaluation, threshold: number): MetricsBlock {
  return { ...verdictMetrics(ev.prob, ev.label, threshold), ...regressionErrors(ev) };
}

/**
 * Trainer configuration of a surrogate run (architecture, loss, topology
 * method, batches of two groups of one scenario each drawn from `window`
 * scenarios at a time).
 */
export function surrogateTrainerConfig(o: TrainOptions, positives: number, negatives: number, window = 1 << 30, features?: FeatureOptions): TrainerConfigInput {
  const method = o.method ?? 'adaptive';
  const sparsity = method === 'dense' ? 0 : o.sparsity ?? 0.9;
  const epochs = o.epochs ?? 30, batchSize = o.batchSize ?? 32;
  const steps = epochs * Math.ceil((positives + negatives) / batchSize);
  // AC-step records: the verdict head reads the estimate's margins too (surrogate.ts acStepReadout).
  const arch = surrogateModel({ hidden: o.hidden ?? 48, headHidden: o.hidden ?? 48, layers: o.layers ?? 3, ...(acStepRecords(features) ? acStepReadout : {}) });
  return {
    // --sparsity counts every parameter (biases and dense readouts too).
    model: { ...arch, sparsity: hiddenSparsityFor(arch, sparsity) },
    // Gentler rewiring than the generic defaults: a fifth of the connections at first (at most 30% for adaptive).
    topology: { method, ...(o.regrow ? { regrow: o.regrow } : {}), rate: { zeta0: 0.2, zetaMax: 0.3 } },
    // Cosine decay over the planned steps: late epochs refine instead of jumping around.
    optimizer: { kind: 'adam', lr: o.lr ?? 3e-3, clipNorm: 1, warmupSteps: 50, decay: 'cosine', decaySteps: Math.max(1, steps - 50), minLrFactor: 0.03 },
    loss: surrogateLoss(positives, negatives, o.posWeightCap, typeof o.posWeight === 'number' ? o.posWeight : undefined),
    epochs,
    batchSize,
    patience: o.patience ?? 8,
    // The capped loss: one confidently wrong validation outage must not keep an early network (loss.ts).
    monitor: 'cappedLoss',
    seed: o.seed ?? 1,
    grouping: { group: Math.max(1, Math.floor(batchSize / 2)), window: Math.max(1, window) },
  };
}

export async function trainSurrogate(req: TrainRequest): Promise<TrainOutcome> {
  const t0 = performance.now();
  const store = req.store;
  // Before anything is stored: an unavailable backend leaves no run behind.
  let chosen: ChosenBackend;
  try {
    chosen = chooseBackend(req.backend ?? 'auto');
  } catch (e) {
    throw new TrainError(e instanceof Error ? e.message : String(e));
  }
  const resumed = req.resume !== undefined ? resumeRun(store, req.resume, req.datasetId) : null;
  const set = trainingSet(store, resumed ? resumed.cfg.datasetId : requestedDataset(req), req.loaded);
  const dataArg = { graph: set.data.graph, train: set.data.source(set.train), val: set.data.source(set.val) };
  // A new run's class weight is chosen on validation first (pilots); a resumed one keeps its own.
  const run = resumed ?? startRun(store, req, set, await chooseClassWeight(req, set, dataArg, chosen));
  req.onRun?.(run.runId);
  const trainer = run.checkpoint ? Trainer.fromState(run.checkpoint, dataArg) : new Trainer(run.cfg.trainer, dataArg);
  // A TensorFlow.js backend computes the gradients and steps its Adam on this thread; the Trainer keeps the rest.
  const tfjs = chosen.tf ? new TfjsTraining(chosen.tf, trainer, dataArg) : null;
  const backend = { name: chosen.name, device: chosen.device };
  let cancelled: boolean;
  try {
    // Workers get everything but the labels, which come with each step.
    const init: TrainInit = { packed: { ...set.ds.packed, labels: new Float32Array(0) }, norm: set.norm, config: trainer.cfg, train: set.train };
    cancelled = await runEpochs(store, run.runId, trainer, init, (i) => set.data.labels(i), req, tfjs);
  } catch (e) {
    store.training.finish(run.runId, 'failed', secondsSince(t0), e instanceof Error ? e.message : String(e));
    throw e;
  } finally {
    tfjs?.dispose();
  }
  return cancelled ? saveCancelled(store, run, trainer, set, t0, backend) : evaluateAndSave(store, run, trainer, set, req.name, t0, backend);
}

/**
 * The class weight of a new run: given, the class ratio (default), or with
 * 'auto' chosen on validation by pilots (class-weight.ts): per candidate
 * weight a short run from the same initial network through the same batches
 * (the run's seed), on all the run's threads, scored on every validation
 * sample at the threshold that keeps MIN_RECALL; the ratio when the run is
 * too short for pilots or validation has no insecure sample. A cancel stops
 * the pilots before anything is stored. Not the default: on case_ACTIVSg200
 * the pilots' differences (0.006 of validation balanced accuracy) are far
 * below what one training run varies with its weight's sixth digit (README).
 */
async function chooseClassWeight(req: TrainRequest, set: TrainingSet, dataArg: Pick<TrainData, 'graph' | 'train' | 'val'>, chosen: ChosenBackend): Promise<ClassWeightChoice> {
  const negatives = set.train.length - set.positives;
  if (typeof req.posWeight === 'number') {
    if (!(Number.isFinite(req.posWeight) && req.posWeight > 0)) throw new TrainError(`--pos-weight must be a positive number or 'auto', got ${req.posWeight}`);
    return { chosenBy: 'given', posWeight: req.posWeight };
  }
  const ratio = { chosenBy: 'ratio' as const, posWeight: classBalance(set.positives, negatives, req.posWeightCap).posWeight };
  if (req.posWeight !== 'auto') return ratio;
  const base = resolveTrainerConfig(surrogateTrainerConfig({ ...req, posWeight: undefined }, set.positives, negatives, set.window, set.ds.config.features));
  const batches = Math.ceil(set.train.length / base.batchSize);
  const steps = Math.min(batches, req.pilotSteps ?? pilotSteps(base.epochs * batches));
  const candidates = weightCandidates(set.positives, negatives, req.posWeightCap);
  let valInsecure = 0;
  for (const i of set.val) valInsecure += set.data.head(i)[L_INSECURE];
  if (steps <= 0 || candidates.length < 2 || valInsecure === 0) return ratio;
  const trials: WeightTrial[] = [];
  for (const [index, posWeight] of candidates.entries()) {
    req.onPilot?.({ index, of: candidates.length, posWeight, steps, trial: null });
    const cfg = resolveTrainerConfig(surrogateTrainerConfig({ ...req, posWeight }, set.positives, negatives, set.window, set.ds.config.features));
    // One epoch at most, its learning rate decaying over the pilot's own steps.
    const trainer = new Trainer({ ...cfg, epochs: 1, optimizer: { ...cfg.optimizer, decaySteps: Math.max(1, steps - (cfg.optimizer.warmupSteps ?? 0)) } }, dataArg);
    const tfjs = chosen.tf ? new TfjsTraining(chosen.tf, trainer, dataArg) : null;
    const init: TrainInit = { packed: { ...set.ds.packed, labels: new Float32Array(0) }, norm: set.norm, config: trainer.cfg, train: set.train };
    try {
      await trainSteps(trainer, init, (i) => set.data.labels(i), { workers: req.workers, signal: req.signal, stopAfterSteps: steps }, tfjs);
    } finally {
      tfjs?.dispose();
    }
    if (req.signal?.aborted) throw new TrainError('cancelled while choosing the class weight on validation (pilot runs): nothing was stored');
    const ev = evaluateSurrogate(trainer.model, set.data, set.val);
    const threshold = chooseThreshold(ev.prob, ev.label, MIN_RECALL);
    const m = verdictMetrics(ev.prob, ev.label, threshold);
    const trial: WeightTrial = { posWeight, balancedAccuracy: m.balancedAccuracy, recall: m.recall, threshold };
    trials.push(trial);
    req.onPilot?.({ index, of: candidates.length, posWeight, steps, trial });
  }
  return { chosenBy: 'validation', posWeight: chooseWeight(trials).posWeight, trials, pilotSteps: steps };
}

/** The class balance a run trains with, as recorded with its model: the training samples' classes, the weight and how it was chosen. */
function classBalanceOf(run: OpenRun, trainer: Trainer, set: TrainingSet): ClassBalance {
  const cb: ClassBalance = { ...classBalance(set.positives, set.train.length - set.positives), posWeight: trainer.lossCfg.posWeight };
  const cw = run.cfg.classWeight;
  if (cw) {
    cb.chosenBy = cw.chosenBy;
    if (cw.trials) cb.trials = cw.trials;
    if (cw.pilotSteps !== undefined) cb.pilotSteps = cw.pilotSteps;
  }
  return cb;
}

/** A training run this call works on: a new one, or one resumed (from its checkpoint, when it has one). */
interface OpenRun {
  runId: number;
  cfg: RunConfig;
  checkpoint: TrainerState | null;
}

/** A dataset in the trainer's form: samples, normaliser and the three splits (dataset indices). */
interface TrainingSet {
  ds: LoadedDataset;
  norm: Normaliser;
  data: SurrogateSamples;
  train: Int32Array;
  val: Int32Array;
  test: Int32Array;
  /** Insecure training samples (the loss weighs the classes by them). */
  positives: number;
  /** The label cache when labels stream from the store (null: all in memory). */
  cache: ScenarioLabelCache | null;
  /** Scenarios an epoch draws batches from at once. */
  window: number;
}

const runConfigSchema = z.object({
  format: z.literal('gridrewire-train'),
  version: z.literal(1),
  datasetId: z.number().int(),
  method: z.enum(TOPOLOGY_METHODS),
  regrow: z.enum(REGROW_RULES),
  sparsity: z.number(),
  trainer: trainerConfigInput,
  classWeight: z.object({
    chosenBy: z.enum(['validation', 'ratio', 'given']),
    posWeight: z.number(),
    trials: z.array(z.object({ posWeight: z.number(), balancedAccuracy: z.number(), recall: z.number(), threshold: z.number() })).optional(),
    pilotSteps: z.number().optional(),
  }).optional(),
});

/** Takes over a stored run to continue it; its epochs after the checkpoint are dropped (they are trained again). */
function resumeRun(store: Store, runId: number, datasetId: number | undefined): OpenRun {
  const run = store.training.get(runId);
  if (!run) throw new TrainError(`training run ${runId} is not in ${store.path}`);
  if (run.config.format !== 'gridrewire-train') throw new TrainError(`training run ${runId} was not started by 'gridrewire train'`);
  const parsed = runConfigSchema.safeParse(run.config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TrainError(`training run ${runId} has a damaged config: field '${issue.path.join('.')}': ${issue.message}`);
  }
  const cfg: RunConfig = parsed.data;
  if (datasetId !== undefined && datasetId !== cfg.datasetId) throw new TrainError(`training run ${runId} trains dataset ${cfg.datasetId}, not ${datasetId}`);
  store.training.claim(runId);
  const cp = store.training.getCheckpoint(runId);
  store.training.truncateEpochsAfter(runId, cp ? cp.epoch : 0);
  return { runId, cfg, checkpoint: cp ? { meta: cp.state, blobs: trainerBlobs(runId, cp.tensors) } : null };
}

/** The checkpoint's tensors as the trainer's blobs (Float32 or Int32 only). */
function trainerBlobs(runId: number, tensors: Tensors): Blob[] {
  return [...tensors].map(([name, data]) => {
    if (!(data instanceof Float32Array || data instanceof Int32Array)) throw new TrainError(`training run ${runId}: checkpoint tensor ${name} is a ${data.constructor.name}, not Float32 or Int32`);
    return { name, data };
  });
}

function requestedDataset(req: TrainRequest): number {
  if (req.datasetId === undefined) throw new TrainError('which dataset? give --dataset <id> (or --resume <run>)');
  return req.datasetId;
}

/** The dataset: the one given in memory, or streamed from the store (labels a window of scenarios at a time). */
function trainingSet(store: Store, datasetId: number, loaded?: LoadedDataset): TrainingSet {
  const mem = loaded && loaded.id === datasetId ? loaded : null;
  const streamed = mem ? null : streamDataset(store, datasetId, LABEL_CACHE_BYTES);
  const ds = mem ?? streamed!;
  const cache = streamed ? streamed.labels : null;
  const norm = fitNormaliser(ds.packed);
  const data = new SurrogateSamples(ds.packed, norm, cache ? (i) => cache.read(i) : undefined);
  const train = data.indices('train'), val = data.indices('val'), test = data.indices('test');
  if (train.length === 0) throw new TrainError(`dataset ${datasetId} has no trainable (non-islanded) training sample`);
  let positives = 0;
  for (const i of train) positives += data.head(i)[L_INSECURE];
  // The window leaves one scenario of the cache for the remainders of finished ones and for evaluation.
  const window = cache ? Math.max(1, cache.capacity - 1) : ds.packed.scenarioIds.length;
  return { ds, norm, data, train, val, test, positives, cache, window };
}

/** A new run of the request's options and class weight, stored before its first epoch. */
function startRun(store: Store, req: TrainRequest, set: TrainingSet, classWeight: ClassWeightChoice): OpenRun {
  const trainer = surrogateTrainerConfig({ ...req, posWeight: classWeight.posWeight }, set.positives, set.train.length - set.positives, set.window, set.ds.config.features);
  const resolved = resolveTrainerConfig(trainer);
  const { method, regrow } = resolveTopology(resolved.topology);
  const cfg: RunConfig = {
    format: 'gridrewire-train', version: 1, datasetId: set.ds.id, method, regrow,
    sparsity: method === 'dense' ? 0 : req.sparsity ?? 0.9, trainer, classWeight,
  };
  const runId = store.training.start({ datasetId: set.ds.id, config: cfg, epochs: resolved.epochs });
  return { runId, cfg, checkpoint: null };
}

/**
 * Trains until the trainer finishes, committing every epoch with its
 * checkpoint; true when a cancel (or stopAfterSteps) stopped it first.
 */
async function runEpochs(store: Store, runId: number, trainer: Trainer, init: TrainInit, labels: (i: number) => Float32Array, req: TrainRequest, tfjs: TfjsTraining | null): Promise<boolean> {
  return withGradients(trainer, init, labels, req, tfjs, async (gradients) => {
    const steps = { taken: 0 };
    const masks = new TrainingMasks(store, runId, trainer.model, trainer.step === 0);
    while (!trainer.finished) {
      if (!(await trainEpoch(trainer, gradients, steps, req))) return true;
      // The network that trained this epoch (its last endEpoch may swap in the best epoch's).
      const running = trainer.model;
      const rec = trainer.endEpoch();
      store.training.commitEpoch(runId, {
        epoch: rec.epoch, loss: rec.trainLoss, valMetrics: rec.val ? { ...rec.val } : {}, density: rec.density,
        zeta: rec.zeta, pruned: rec.pruned, regrown: rec.regrown, seconds: rec.seconds,
      }, checkpointOf(trainer, rec.epoch), masks.changed(running));
      req.onEpoch?.(rec);
    }
    return false;
  });
}

/** The first `stopAfterSteps` optimiser steps of the trainer's epoch (a pilot: nothing stored, no epoch end). */
async function trainSteps(trainer: Trainer, init: TrainInit, labels: (i: number) => Float32Array, req: Pick<TrainRequest, 'workers' | 'signal' | 'stopAfterSteps'>, tfjs: TfjsTraining | null): Promise<void> {
  await withGradients(trainer, init, labels, req, tfjs, (gradients) => trainEpoch(trainer, gradients, { taken: 0 }, req));
}

/**
 * Runs `body` with the trainer's batch gradients from `workers` threads
 * (this one included; one with a TensorFlow.js backend), the worker threads
 * closed after it.
 */
async function withGradients<T>(
  trainer: Trainer, init: TrainInit, labels: (i: number) => Float32Array, req: Pick<TrainRequest, 'workers'>, tfjs: TfjsTraining | null,
  body: (gradients: (positions: Int32Array) => Promise<GradientBuffers>) => Promise<T>,
): Promise<T> {
  const threads = tfjs ? 1 : Math.max(1, Math.min(req.workers ?? defaultWorkers(), trainer.cfg.batchSize));
  const LL = labelLength(init.packed.nb, init.packed.nl);
  const labelsAt = (positions: Int32Array) => {
    const out = new Float32Array(positions.length * LL);
    positions.forEach((p, j) => out.set(labels(init.train[p]), j * LL));
    return out;
  };
  const group = threads > 1 ? await GradientGroup.start(trainer, init, threads, labelsAt) : null;
  try {
    return await body(group
      ? (positions: Int32Array) => group.gradients(positions)
      : tfjs
        ? async (positions: Int32Array) => tfjs.gradientsAt(positions)
        : async (positions: Int32Array) => trainer.gradientsAt(positions));
  } finally {
    await group?.close();
  }
}

/** The current epoch's remaining batches (a resume can start mid-epoch); false when stopped before its end. */
async function trainEpoch(trainer: Trainer, gradients: (positions: Int32Array) => Promise<GradientBuffers>, steps: { taken: number }, req: Pick<TrainRequest, 'signal' | 'stopAfterSteps' | 'onBatch'>): Promise<boolean> {
  let inEpoch = trainer.batchInEpoch, samples = 0;
  const tRate = performance.now();
  for (let pos = trainer.nextBatchIndices(); pos; pos = trainer.nextBatchIndices()) {
    if (req.signal?.aborted || (req.stopAfterSteps !== undefined && steps.taken >= req.stopAfterSteps)) return false;
    const ts = performance.now();
    const g = await gradients(pos);
    trainer.applyGradients(g, (performance.now() - ts) / 1000);
    steps.taken++;
    inEpoch++;
    samples += pos.length;
    if (req.onBatch) {
      const dt = (performance.now() - tRate) / 1000;
      req.onBatch({ epoch: trainer.epoch + 1, batch: inEpoch, batches: trainer.batchesPerEpoch, loss: g.loss, step: trainer.step, samplesPerSecond: samples / Math.max(dt, 1e-9) });
    }
    // Let a SIGINT handler run.
    if (steps.taken % 4 === 0) await new Promise<void>((r) => setImmediate(r));
  }
  return true;
}

function checkpointOf(trainer: Trainer, epoch: number): Checkpoint {
  const st = trainer.state();
  return { epoch, state: st.meta, tensors: new Map(st.blobs.map((b) => [b.name, b.data])) };
}

function secondsSince(t0: number): number {
  return (performance.now() - t0) / 1000;
}

/** Keeps where training is, mid-epoch included: a resume continues exactly here. */
function saveCancelled(store: Store, run: OpenRun, trainer: Trainer, set: TrainingSet, t0: number, backend: TrainOutcome['backend']): TrainOutcome {
  store.training.saveCheckpoint(run.runId, checkpointOf(trainer, trainer.epoch));
  store.training.finish(run.runId, 'cancelled', secondsSince(t0));
  const { method, regrow, sparsity } = run.cfg;
  return {
    runId: run.runId, modelId: null, cancelled: true, method, regrow, sparsity, epochs: trainer.epoch, bestEpoch: trainer.bestEpoch, stopped: 'cancelled',
    seconds: secondsSince(t0), threshold: NaN, params: paramsOf(trainer.model), val: null, test: null, testStressed: null, dc: null,
    classBalance: classBalanceOf(run, trainer, set), backend,
  };
}

/** Threshold on validation (recall first), metrics on test, then the model saved with them. */
function evaluateAndSave(store: Store, run: OpenRun, trainer: Trainer, set: TrainingSet, name: string | undefined, t0: number, backend: TrainOutcome['backend']): TrainOutcome {
  const { runId, cfg: { method, regrow, sparsity } } = run;
  const { data, ds, norm } = set;
  const model = trainer.model;
  const evVal = set.val.length ? evaluateSurrogate(model, data, set.val) : null;
  const threshold = evVal ? chooseThreshold(evVal.prob, evVal.label, MIN_RECALL) : 0.5;
  const evTest = set.test.length ? evaluateSurrogate(model, data, set.test) : null;
  let testStressed: TrainOutcome['testStressed'] = null, dc: TrainOutcome['dc'] = null;
  if (evTest) {
    const frac = insecureFractionByScenario(data, evTest);
    const stressed = new Set([...frac].filter(([, r]) => r.n > 0 && r.insecure / r.n >= STRESSED_FRACTION).map(([s]) => s));
    const sub = stressed.size ? subsetEvaluation(data, evTest, (s) => stressed.has(s)) : null;
    testStressed = sub ? { ...block(sub, threshold), scenarios: stressed.size } : null;
    dc = { test: verdictMetrics(evTest.dcLabel, evTest.label, 0.5), testStressed: sub ? verdictMetrics(sub.dcLabel, sub.label, 0.5) : null };
  }
  const params = paramsOf(model);
  const seconds = secondsSince(t0);
  const totalSeconds = (store.training.get(runId)?.seconds ?? 0) + seconds;
  const outcome: TrainOutcome = {
    runId, modelId: null, cancelled: false, method, regrow, sparsity, epochs: trainer.epoch, bestEpoch: trainer.bestEpoch,
    stopped: trainer.stopReason ?? 'completed', seconds: totalSeconds, threshold, params,
    val: evVal ? block(evVal, threshold) : null, test: evTest ? block(evTest, threshold) : null, testStressed, dc,
    classBalance: classBalanceOf(run, trainer, set), backend,
  };
  const ser = serializeModel(model);
  const mcfg: SurrogateModelConfig = {
    format: 'gridrewire-n1-surrogate', version: 1, model: ser.config, normaliser: norm, threshold,
    grid: ds.config.grid, features: ds.config.features, datasetId: ds.id, method, regrow, sparsity,
    // How the classes were balanced, and the rule the threshold follows (both on record for predict and explain).
    classBalance: outcome.classBalance, thresholdRule: { rule: THRESHOLD_RULE, minRecall: MIN_RECALL, on: 'validation', validation: evVal ? { samples: evVal.prob.length, insecure: outcome.val!.insecure } : null },
  };
  const { modelId: _unsaved, ...rest } = outcome;
  // The verified screen's safety band, on the same validation predictions as the threshold (services/screen-band.ts).
  const metrics = evVal ? { ...rest, screen: screenBandOf(evVal.prob, evVal.label, threshold) } : rest;
  outcome.modelId = store.models.save({
    name: name ?? `${ds.config.caseName} ${method}${method === 'dense' ? '' : `+${regrow} ${Math.round(sparsity * 100)}%`} (run ${runId})`,
    config: mcfg, tensors: new Map(ser.blobs.map((b) => [b.name, b.data])), metrics, datasetId: ds.id, trainingRunId: runId,
  });
  store.training.finish(runId, 'done', seconds);
  return outcome;
}
