// Train the N-1 surrogate on a stored dataset: data-parallel gradients on
// worker threads, the topology method after each epoch, every epoch and a
// checkpoint committed to the store (so a killed or cancelled run resumes
// exactly), then the decision threshold chosen on validation data, test
// metrics, and the model saved with them.

import { type FeatureOptions, type GridSignature } from '../core/grid/features';
import { SurrogateSamples, fitNormaliser, type Normaliser } from '../core/learn/grid-data';
import type { GraphSample } from '../core/learn/graph';
import { serializeModel } from '../core/learn/serialize';
import type { RegrowRule } from '../core/learn/rewire';
import type { TopologyMethod } from '../core/learn/schedule';
import {
  chooseThreshold, evaluateSurrogate, hiddenSparsityFor, insecureFractionByScenario, paramsOf, regressionErrors, subsetEvaluation,
  surrogateLoss, surrogateModel, verdictMetrics, type ParamsSummary, type SurrogateEvaluation, type VerdictMetrics,
} from '../core/learn/surrogate';
import { Trainer, type BatchProgress, type EpochRecord, type TrainerConfigInput, type TrainerState } from '../core/learn/trainer';
import { GradientGroup, type TrainInit } from '../jobs/train-job';
import { defaultWorkers } from '../jobs/pool';
import type { JsonObject, Store } from '../store';
import { loadDataset, type LoadedDataset } from './dataset';

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
}

/** The model config stored with a trained surrogate. */
export interface SurrogateModelConfig {
  format: 'gridrewire-n1-surrogate';
  version: 1;
  model: JsonObject;
  normaliser: Normaliser;
  threshold: number;
  grid: GridSignature;
  features: FeatureOptions;
  datasetId: number;
  method: TopologyMethod;
  regrow: RegrowRule;
  sparsity: number;
  [key: string]: unknown;
}

interface RunConfig {
  format: 'gridrewire-train';
  version: 1;
  datasetId: number;
  method: TopologyMethod;
  regrow: RegrowRule;
  sparsity: number;
  trainer: TrainerConfigInput;
  [key: string]: unknown;
}

export const STRESSED_FRACTION = 0.1;


function block(ev: SurrogateEvaluation, threshold: number): MetricsBlock {
  return { ...verdictMetrics(ev.prob, ev.label, threshold), ...regressionErrors(ev) };
}

/** Trainer configuration of a surrogate run (architecture, loss, topology method). */
export function surrogateTrainerConfig(o: TrainOptions, positives: number, negatives: number): TrainerConfigInput {
  const method = o.method ?? 'adaptive';
  const sparsity = method === 'dense' ? 0 : o.sparsity ?? 0.9;
  const epochs = o.epochs ?? 30, batchSize = o.batchSize ?? 32;
  const steps = epochs * Math.ceil((positives + negatives) / batchSize);
  const arch = surrogateModel({ hidden: o.hidden ?? 48, headHidden: o.hidden ?? 48, layers: o.layers ?? 3 });
  return {
    // --sparsity counts every parameter (biases and dense readouts too).
    model: { ...arch, sparsity: hiddenSparsityFor(arch, sparsity) },
    // Gentler rewiring than the generic defaults: a fifth of the connections at first (at most 30% for adaptive).
    topology: { method, ...(o.regrow ? { regrow: o.regrow } : {}), rate: { zeta0: 0.2, zetaMax: 0.3 } },
    // Cosine decay over the planned steps: late epochs refine instead of jumping around.
    optimizer: { kind: 'adam', lr: o.lr ?? 3e-3, clipNorm: 1, warmupSteps: 50, decay: 'cosine', decaySteps: Math.max(1, steps - 50), minLrFactor: 0.03 },
    loss: surrogateLoss(positives, negatives),
    epochs,
    batchSize,
    patience: o.patience ?? 8,
    monitor: 'loss',
    seed: o.seed ?? 1,
  };
}

export async function trainSurrogate(req: TrainRequest): Promise<TrainOutcome> {
  const t0 = performance.now();
  const store = req.store;
  let runId: number, datasetId: number, cfg: RunConfig;
  let checkpoint: TrainerState | null = null;
  if (req.resume !== undefined) {
    const run = store.training.get(req.resume);
    if (!run) throw new TrainError(`training run ${req.resume} is not in ${store.path}`);
    cfg = run.config as RunConfig;
    if (cfg?.format !== 'gridrewire-train') throw new TrainError(`training run ${req.resume} was not started by 'gridrewire train'`);
    if (req.datasetId !== undefined && req.datasetId !== cfg.datasetId) throw new TrainError(`training run ${req.resume} trains dataset ${cfg.datasetId}, not ${req.datasetId}`);
    store.training.claim(req.resume);
    runId = req.resume;
    datasetId = cfg.datasetId;
    const cp = store.training.getCheckpoint(runId);
    if (cp) {
      checkpoint = { meta: cp.state, blobs: [...cp.tensors].map(([name, data]) => ({ name, data: data as Float32Array | Int32Array })) };
      store.training.truncateEpochsAfter(runId, cp.epoch);
    } else store.training.truncateEpochsAfter(runId, 0);
  } else {
    if (req.datasetId === undefined) throw new TrainError('which dataset? give --dataset <id> (or --resume <run>)');
    datasetId = req.datasetId;
    cfg = null as unknown as RunConfig;
  }

  const ds = req.loaded && req.loaded.id === datasetId ? req.loaded : loadDataset(store, datasetId);
  const norm = fitNormaliser(ds.packed);
  const data = new SurrogateSamples(ds.packed, norm);
  const trainIdx = data.indices('train'), valIdx = data.indices('val'), testIdx = data.indices('test');
  if (trainIdx.length === 0) throw new TrainError(`dataset ${datasetId} has no trainable (non-islanded) training sample`);
  let pos = 0;
  for (const i of trainIdx) pos += data.labels(i)[1];

  if (!checkpoint && req.resume === undefined) {
    const tc = surrogateTrainerConfig(req, pos, trainIdx.length - pos);
    const method = tc.topology!.method;
    cfg = {
      format: 'gridrewire-train', version: 1, datasetId, method,
      regrow: tc.topology!.regrow ?? (method === 'rigl' ? 'gradient' : method === 'adaptive' ? 'ch3l3' : 'random'),
      sparsity: method === 'dense' ? 0 : req.sparsity ?? 0.9, trainer: tc,
    };
    runId = store.training.start({ datasetId, config: cfg, epochs: tc.epochs! });
  }
  const trainSrc = data.source(trainIdx);
  const valSrc = data.source(valIdx);
  const dataArg = { graph: data.graph, train: trainSrc, val: valSrc };
  const trainer = checkpoint ? Trainer.fromState(checkpoint, dataArg) : new Trainer(cfg!.trainer, dataArg);

  const threads = Math.max(1, Math.min(req.workers ?? defaultWorkers(), trainer.cfg.batchSize));
  const init: TrainInit = { packed: ds.packed, norm, config: trainer.cfg, train: trainIdx };
  let group: GradientGroup | null = null;
  let cancelled = false;
  try {
    if (threads > 1) group = await GradientGroup.start(trainer, trainSrc, init, threads);
    const ownGradients = async (positions: Int32Array) => {
      const samples: GraphSample[] = Array.from(positions, (p) => trainSrc.get(p));
      const g = trainer.computeGradients(samples);
      return g;
    };
    let steps = 0, batchSamples = 0, inEpoch = 0;
    let tRate = performance.now();
    outer: while (!trainer.finished) {
      // Batches already done in this epoch (a resume can start mid-epoch).
      inEpoch = trainer.batchInEpoch;
      for (let pos = trainer.nextBatchIndices(); pos; pos = trainer.nextBatchIndices()) {
        if (req.signal?.aborted || (req.stopAfterSteps !== undefined && steps >= req.stopAfterSteps)) {
          cancelled = true;
          break outer;
        }
        const ts = performance.now();
        const g = group ? await group.gradients(pos) : await ownGradients(pos);
        trainer.applyGradients(g, (performance.now() - ts) / 1000);
        steps++;
        inEpoch++;
        batchSamples += pos.length;
        if (req.onBatch) {
          const dt = (performance.now() - tRate) / 1000;
          req.onBatch({ epoch: trainer.epoch + 1, batch: inEpoch, batches: trainer.batchesPerEpoch, loss: g.loss, step: trainer.step, samplesPerSecond: batchSamples / Math.max(dt, 1e-9) });
        }
        // Let a SIGINT handler run.
        if (steps % 4 === 0) await new Promise<void>((r) => setImmediate(r));
      }
      const rec = trainer.endEpoch();
      batchSamples = 0;
      tRate = performance.now();
      const st = trainer.state();
      store.training.commitEpoch(runId!, {
        epoch: rec.epoch, loss: rec.trainLoss, valMetrics: (rec.val ? { ...rec.val } : {}) as JsonObject, density: rec.density,
        zeta: rec.zeta, pruned: rec.pruned, regrown: rec.regrown, seconds: rec.seconds,
      }, { epoch: rec.epoch, state: st.meta as JsonObject, tensors: new Map(st.blobs.map((b) => [b.name, b.data])) });
      req.onEpoch?.(rec);
    }
  } catch (e) {
    await group?.close();
    store.training.finish(runId!, 'failed', (performance.now() - t0) / 1000, e instanceof Error ? e.message : String(e));
    throw e;
  }
  await group?.close();
  const method = cfg!.method, regrow = cfg!.regrow, sparsity = cfg!.sparsity;
  if (cancelled) {
    // Keep where we are, mid-epoch included: a resume continues exactly here.
    const st = trainer.state();
    store.training.saveCheckpoint(runId!, { epoch: trainer.epoch, state: st.meta as JsonObject, tensors: new Map(st.blobs.map((b) => [b.name, b.data])) });
    store.training.finish(runId!, 'cancelled', (performance.now() - t0) / 1000);
    return {
      runId: runId!, modelId: null, cancelled: true, method, regrow, sparsity, epochs: trainer.epoch, bestEpoch: trainer.bestEpoch, stopped: 'cancelled',
      seconds: (performance.now() - t0) / 1000, threshold: NaN, params: paramsOf(trainer.model), val: null, test: null, testStressed: null, dc: null,
    };
  }

  // Threshold on validation (recall first), metrics on test.
  const model = trainer.model;
  const evVal = valIdx.length ? evaluateSurrogate(model, data, valIdx) : null;
  const threshold = evVal ? chooseThreshold(evVal.prob, evVal.label) : 0.5;
  const evTest = testIdx.length ? evaluateSurrogate(model, data, testIdx) : null;
  let testStressed: TrainOutcome['testStressed'] = null, dc: TrainOutcome['dc'] = null;
  if (evTest) {
    const frac = insecureFractionByScenario(data, evTest);
    const stressed = new Set([...frac].filter(([, r]) => r.n > 0 && r.insecure / r.n >= STRESSED_FRACTION).map(([s]) => s));
    const sub = stressed.size ? subsetEvaluation(data, evTest, (s) => stressed.has(s)) : null;
    testStressed = sub ? { ...block(sub, threshold), scenarios: stressed.size } : null;
    dc = { test: verdictMetrics(evTest.dcLabel, evTest.label, 0.5), testStressed: sub ? verdictMetrics(sub.dcLabel, sub.label, 0.5) : null };
  }
  const params = paramsOf(model);
  const seconds = (performance.now() - t0) / 1000;
  const run = store.training.get(runId!);
  const totalSeconds = (run?.seconds ?? 0) + seconds;
  const outcome: TrainOutcome = {
    runId: runId!, modelId: null, cancelled: false, method, regrow, sparsity, epochs: trainer.epoch, bestEpoch: trainer.bestEpoch,
    stopped: trainer.stopReason ?? 'completed', seconds: totalSeconds, threshold, params,
    val: evVal ? block(evVal, threshold) : null, test: evTest ? block(evTest, threshold) : null, testStressed, dc,
  };
  const ser = serializeModel(model);
  const mcfg: SurrogateModelConfig = {
    format: 'gridrewire-n1-surrogate', version: 1, model: ser.config as unknown as JsonObject, normaliser: norm, threshold,
    grid: ds.config.grid, features: ds.config.features, datasetId, method, regrow, sparsity,
  };
  const metrics = { ...outcome, modelId: undefined } as unknown as JsonObject;
  outcome.modelId = store.models.save({
    name: req.name ?? `${ds.config.caseName} ${method}${method === 'dense' ? '' : `+${regrow} ${Math.round(sparsity * 100)}%`} (run ${runId!})`,
    config: mcfg, tensors: new Map(ser.blobs.map((b) => [b.name, b.data])), metrics, datasetId, trainingRunId: runId!,
  });
  store.training.finish(runId!, 'done', seconds);
  return outcome;
}
