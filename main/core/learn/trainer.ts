// Mini-batch training of the graph network with Adam/SGD, a topology method
// applied after each epoch (or every k steps), validation each epoch, early
// stopping that restores the best weights and mask, progress and cancel
// callbacks, and an exact checkpoint (state / fromState).
//
// The loop is exposed in pieces so that a caller can compute gradients
// elsewhere (worker threads) and still use this bookkeeping:
//
//   while (!t.finished) {
//     for (let s = t.nextBatch(); s; s = t.nextBatch()) t.applyGradients(await parallelGrads(s));
//     t.endEpoch();
//   }
//
// `fit` is that loop, synchronous, with the gradients on this thread.
//
// When the training samples are scenario bases and deltas (a DeltaSource:
// N-1 outages of operating points), gradients and validation run
// incrementally (incremental-training.ts: the base graph once per scenario
// and batch, each sample over the rows its change reaches; the same loss
// and gradients as the full-graph pass, to rounding), and `grouping` makes
// each batch a few groups of one scenario each (epoch-order.ts).

import { deserializeModel, serializeModel, type Blob, type SerializedModel } from './serialize';
import { LearnError } from './errors';
import { GraphNet, constrainOffsetPool, type GraphNetConfig, resolveGraphNet } from './gnn';
import { type GraphSample, type GraphTopology, type SampleSource, asSource, checkTopology } from './graph';
import { type LossConfig, cappedGraphTerm, computeLoss, resolveLoss, sigmoid } from './loss';
import { groupedOrder, uniformOrder, type Grouping } from './epoch-order';
import { IncrementalGradients, isDeltaSource, type DeltaSource } from './incremental-training';
import { type Confusion, accuracy, balancedAccuracy, confusion, parameterCounts, precision, recall } from './metrics';
import { Optimizer, type OptimizerConfig, defaultOptimizer } from './optim';
import { RatePolicy, type ResolvedTopology, type TopologyConfig, resolveTopology } from './schedule';
import { rewireLayer } from './rewire';
import { Rng } from './rng';
import { encodeCheckpoint, parseCheckpoint, sameConfig, TRAINER_CHECKPOINT_FORMAT, TRAINER_CHECKPOINT_VERSION, type CursorState, type TrainerCheckpoint } from './trainer-checkpoint';

import { MONITORS, type Monitor } from './monitor';
export { MONITORS, type Monitor } from './monitor';

export interface TrainerConfig {
  model: Partial<GraphNetConfig> & Pick<GraphNetConfig, 'nodeFeatDim' | 'edgeFeatDim'>;
  topology: TopologyConfig;
  optimizer: OptimizerConfig;
  loss: Partial<LossConfig>;
  epochs: number;
  batchSize: number;
  /** Epochs without improvement before stopping; 0 never stops early. */
  patience: number;
  /** Validation quantity for early stopping and the adaptive rate. */
  monitor: Monitor;
  /** Smallest change that counts as an improvement. */
  minDelta: number;
  seed: number;
  /** Samples used for the dense gradient of 'gradient' regrowth. */
  gradientBatch?: number;
  /** CH3-L3 path budget per layer. */
  maxPaths?: number;
  /** Batches made of groups of one scenario each, drawn from a window of scenarios (needs a training source that knows each sample's scenario). */
  grouping?: Grouping;
}

export type TrainerConfigInput = Partial<Omit<TrainerConfig, 'model'>> & Pick<TrainerConfig, 'model'>;

export interface TrainData {
  graph: GraphTopology;
  /** Full samples, or scenario bases and deltas (a DeltaSource that is also a SampleSource: either path can run). */
  train: readonly GraphSample[] | SampleSource | (SampleSource & DeltaSource);
  val?: readonly GraphSample[] | SampleSource | (SampleSource & DeltaSource);
  /** How gradients and validation are computed when the sources are DeltaSources: 'incremental' (default) or 'full' (GraphNet over full samples). */
  engine?: 'incremental' | 'full';
}

export interface EvalMetrics {
  samples: number;
  loss: number;
  /** The loss with each verdict term at most SELECTION_VERDICT_CAP before its weight (absent in checkpoints written before it). */
  cappedLoss?: number;
  graphLoss: number;
  edgeLoss: number;
  nodeLoss: number;
  confusion: Confusion;
  accuracy: number;
  balancedAccuracy: number;
  /** Recall and precision of the positive class. */
  recall: number;
  precision: number;
  edgeMae: number;
  nodeMae: number;
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  val: EvalMetrics | null;
  improved: boolean;
  /** Rate used by the rewiring that followed this epoch (or during it). */
  zeta: number;
  pruned: number;
  regrown: number;
  /** Layers whose regrowth fell back to random (e.g. too few CH3-L3 candidates). */
  fallbacks: number;
  /** Existing connections / possible, over the sparse layers. */
  density: number;
  paramsKept: number;
  paramsDense: number;
  rewiringFrozen: boolean;
  seconds: number;
}

export interface BatchProgress {
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
  step: number;
}

export interface FitCallbacks {
  onBatch?(p: BatchProgress): void;
  onEpoch?(r: EpochRecord): void;
  /** Checked before every batch; true stops (state() then resumes exactly). */
  shouldStop?(): boolean;
}

export type StopReason = 'completed' | 'early-stop' | 'cancelled';

export interface FitResult {
  stopped: StopReason;
  epochs: number;
  bestEpoch: number;
  history: EpochRecord[];
}

/** Gradients of the mean loss over `samples` samples, one buffer per model.params() entry. */
export interface GradientBuffers {
  loss: number;
  samples: number;
  grads: Float32Array[];
}

/** Sample-weighted mean of gradient buffers computed on disjoint parts of a batch. */
export function averageGradients(parts: readonly GradientBuffers[]): GradientBuffers {
  if (parts.length === 0) throw new LearnError('bad-state', 'no gradients to average');
  const total = parts.reduce((s, p) => s + p.samples, 0);
  const grads = parts[0].grads.map((g) => new Float32Array(g.length));
  let loss = 0;
  for (const p of parts) {
    const w = p.samples / total;
    loss += w * p.loss;
    p.grads.forEach((g, i) => {
      if (g.length !== grads[i].length) throw new LearnError('bad-state', `gradient buffer ${i} has ${g.length} values, expected ${grads[i].length}`);
      const out = grads[i];
      for (let k = 0; k < g.length; k++) out[k] += w * g[k];
    });
  }
  return { loss, samples: total, grads };
}

/** A checkpoint as stored: its JSON part (trainer-checkpoint.ts) and its typed arrays. */
export interface TrainerState {
  meta: Record<string, unknown>;
  blobs: Blob[];
}

interface Cursor extends CursorState {
  order: Int32Array;
}

interface Best {
  score: number;
  epoch: number;
  snapshot: SerializedModel;
}

const now = () => performance.now() / 1000;

export function resolveTrainerConfig(c: TrainerConfigInput): TrainerConfig {
  const cfg: TrainerConfig = {
    topology: { method: 'adaptive' },
    optimizer: defaultOptimizer,
    loss: {},
    epochs: 20,
    batchSize: 16,
    patience: 5,
    monitor: 'loss',
    minDelta: 0,
    seed: 1,
    ...(Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as TrainerConfigInput),
  };
  const int = (k: 'epochs' | 'batchSize' | 'patience' | 'seed', min: number) => {
    if (!(Number.isInteger(cfg[k]) && cfg[k] >= min)) throw new LearnError('bad-config', `${k} must be an integer >= ${min}, got ${cfg[k]}`);
  };
  int('epochs', 1);
  int('batchSize', 1);
  int('patience', 0);
  int('seed', 0);
  if (!MONITORS.includes(cfg.monitor)) throw new LearnError('bad-config', `monitor must be ${MONITORS.join(', ')}, got '${cfg.monitor}'`);
  if (!(cfg.minDelta >= 0)) throw new LearnError('bad-config', `minDelta must be >= 0, got ${cfg.minDelta}`);
  if (cfg.grouping) {
    for (const k of ['group', 'window'] as const) {
      if (!(Number.isInteger(cfg.grouping[k]) && cfg.grouping[k] >= 1)) throw new LearnError('bad-config', `grouping.${k} must be an integer >= 1, got ${cfg.grouping[k]}`);
    }
  }
  return cfg;
}

export class Trainer {
  readonly cfg: TrainerConfig;
  readonly topo: ResolvedTopology;
  readonly lossCfg: LossConfig;
  /** The model being trained; replaced (best weights and mask) when training finishes, and by loadState. */
  model: GraphNet;
  /** Our Adam/SGD; a backend with its own (TensorFlow.js's, behind the same interface) takes its place through useOptimizer. */
  private opt: Optimizer;
  readonly rng: Rng;
  readonly policy: RatePolicy;
  /** Completed epochs. */
  epoch = 0;
  /** Optimiser steps taken. */
  step = 0;
  /** Bumped whenever rewiring changes a mask: workers holding a copy of the topology must resync. */
  topologyVersion = 0;
  history: EpochRecord[] = [];
  finished = false;
  stopReason: StopReason | null = null;
  private readonly graph: GraphTopology;
  private readonly train: SampleSource;
  private readonly val: SampleSource | null;
  /** The incremental engine, when the sources are DeltaSources (built on first use). */
  private readonly incremental: boolean;
  private engineCache: IncrementalGradients | null = null;
  private cursor: Cursor | null = null;
  private best: Best | null = null;
  private badEpochs = 0;

  /** A fresh run from config.seed; `restore.model` (used by fromState) skips building a new model. */
  constructor(config: TrainerConfigInput, data: TrainData, restore?: { model: GraphNet }) {
    this.cfg = resolveTrainerConfig(config);
    this.topo = resolveTopology(this.cfg.topology);
    this.lossCfg = resolveLoss(this.cfg.loss);
    checkTopology(data.graph);
    this.graph = data.graph;
    this.train = asSource(data.train);
    this.val = data.val ? asSource(data.val) : null;
    if (this.train.length === 0) throw new LearnError('bad-config', 'the training set is empty');
    this.incremental = data.engine !== 'full' && isDeltaSource(this.train);
    if (this.cfg.grouping && !isDeltaSource(this.train)) throw new LearnError('bad-config', 'grouping by scenario needs training samples that know their scenario (a DeltaSource)');
    this.rng = new Rng(this.cfg.seed);
    const modelCfg = resolveGraphNet({ ...this.cfg.model, sparsity: this.topo.sparse ? (this.cfg.model.sparsity ?? 0.9) : 0 });
    this.model = restore?.model ?? GraphNet.create(modelCfg, this.rng);
    this.opt = new Optimizer(this.cfg.optimizer);
    const stepsPerEpoch = Math.ceil(this.train.length / this.cfg.batchSize);
    const span = this.topo.everySteps > 0 ? this.cfg.epochs * stepsPerEpoch : this.cfg.epochs;
    this.policy = new RatePolicy({ ...this.topo.rate, tEnd: this.topo.rate.tEnd ?? Math.max(1, this.topo.cosineEnd * span) });
  }

  get optimizer(): Optimizer {
    return this.opt;
  }

  /**
   * Steps with `o` from now on (its config must be this run's: the schedule
   * and the moments a checkpoint keeps are the trainer's). A backend that
   * keeps its optimiser's state elsewhere (TensorFlow.js) plugs in here.
   */
  useOptimizer(o: Optimizer): void {
    this.opt = o;
  }

  get batchesPerEpoch(): number {
    return Math.ceil(this.train.length / this.cfg.batchSize);
  }

  /** Batches already trained in the current epoch. */
  get batchInEpoch(): number {
    return this.cursor?.batch ?? 0;
  }

  get bestEpoch(): number {
    return this.best?.epoch ?? 0;
  }

  // ---- gradients -------------------------------------------------------

  /**
   * Gradients of the mean loss over `samples` at the current weights. The
   * returned buffers are the model's own grad arrays (valid until the next
   * call); copy them to keep or send them.
   */
  computeGradients(samples: readonly GraphSample[]): GradientBuffers {
    const model = this.model;
    model.zeroGrad();
    const batch = model.batch(this.graph, samples);
    const { out, cache } = model.forward(batch);
    const loss = computeLoss(out, batch, this.lossCfg);
    model.backward(batch, cache, loss.grad);
    return { loss: loss.total, samples: samples.length, grads: model.params().map((p) => p.grad) };
  }

  /**
   * Gradients of the mean loss over the training samples at `positions`, at
   * the current weights: incremental when the training source is a
   * DeltaSource (unless the data asked for 'full'), else the full-graph
   * pass. The buffers are the model's own grad arrays (valid until the next
   * call); copy them to keep or send them.
   */
  gradientsAt(positions: ArrayLike<number>): GradientBuffers {
    if (!this.incremental) return this.computeGradients(Array.from(positions, (p) => this.train.get(p)));
    const model = this.model;
    model.zeroGrad();
    const r = this.engine().gradients(model, this.train as unknown as DeltaSource, positions, this.lossCfg);
    return { loss: r.loss, samples: r.samples, grads: model.params().map((p) => p.grad) };
  }

  /** Whether gradients and validation run incrementally. */
  get usesIncremental(): boolean {
    return this.incremental;
  }

  /** Time this thread's incremental gradients spent in base passes and in samples' neighbourhoods (zeros before any). */
  get engineTiming(): { bases: number; baseSeconds: number; samples: number; sampleSeconds: number } {
    return this.engineCache?.timing ?? { bases: 0, baseSeconds: 0, samples: 0, sampleSeconds: 0 };
  }

  private engine(): IncrementalGradients {
    if (!this.engineCache || !this.engineCache.fits(this.model)) this.engineCache = new IncrementalGradients(this.model, this.graph);
    return this.engineCache;
  }

  /**
   * One optimiser step from gradients (ours or averaged from workers);
   * advances the batch cursor. `seconds`: time the step took, for the epoch record.
   */
  applyGradients(g: GradientBuffers, seconds = 0): void {
    const params = this.model.params();
    if (g.grads.length !== params.length) throw new LearnError('bad-state', `expected ${params.length} gradient buffers, got ${g.grads.length}`);
    params.forEach((p, i) => {
      const src = g.grads[i];
      if (src.length !== p.grad.length) throw new LearnError('bad-state', `gradient for ${p.name} has ${src.length} values, expected ${p.grad.length} (was the topology changed?)`);
      if (src !== p.grad) p.grad.set(src);
    });
    this.optimizer.step(params);
    constrainOffsetPool(this.model);
    this.step++;
    const c = this.openCursor();
    c.batch++;
    c.seconds += seconds;
    c.lossSum += g.loss * g.samples;
    c.lossN += g.samples;
    if (this.topo.rewires && this.topo.everySteps > 0 && this.step % this.topo.everySteps === 0) {
      const zeta = this.policy.zetaAt(this.step);
      const r = this.rewire(zeta);
      c.zeta = zeta;
      c.pruned += r.pruned;
      c.regrown += r.regrown;
      c.fallbacks += r.fallbacks;
    }
  }

  // ---- epoch loop ------------------------------------------------------

  private openCursor(): Cursor {
    if (!this.cursor) {
      const g = this.cfg.grouping, src = this.train as unknown as DeltaSource;
      const order = g ? groupedOrder(this.train.length, (p) => src.scenario(p), g, this.rng) : uniformOrder(this.train.length, this.rng);
      this.cursor = { order, batch: 0, lossSum: 0, lossN: 0, pruned: 0, regrown: 0, fallbacks: 0, zeta: 0, seconds: 0 };
    }
    return this.cursor;
  }

  /** Samples of the current epoch's next batch, or null when the epoch's batches are done. */
  nextBatch(): GraphSample[] | null {
    const idx = this.nextBatchIndices();
    return idx ? Array.from(idx, (i) => this.train.get(i)) : null;
  }

  /**
   * Positions (in the training source) of the current epoch's next batch, or
   * null when the epoch's batches are done: for callers that compute the
   * gradients elsewhere (workers holding the same source) and then call
   * applyGradients.
   */
  nextBatchIndices(): Int32Array | null {
    if (this.finished) return null;
    const c = this.openCursor();
    const bs = this.cfg.batchSize, start = c.batch * bs;
    if (start >= c.order.length) return null;
    return c.order.slice(start, Math.min(start + bs, c.order.length));
  }

  /** Validation, early stopping, rate policy and per-epoch rewiring; returns the epoch's record. */
  endEpoch(): EpochRecord {
    const c = this.openCursor();
    if (c.batch * this.cfg.batchSize < c.order.length) throw new LearnError('bad-state', `epoch ${this.epoch + 1} still has batches to train`);
    const t0 = now();
    this.epoch++;
    const val = this.val && this.val.length > 0 ? this.evaluate(this.val) : null;
    const trainLoss = c.lossN > 0 ? c.lossSum / c.lossN : NaN;
    const score = this.monitorValue(val, trainLoss);
    const improved = this.isImprovement(score);
    if (improved) {
      this.best = { score, epoch: this.epoch, snapshot: serializeModel(this.model) };
      this.badEpochs = 0;
    } else {
      this.badEpochs++;
    }
    this.policy.observe(improved);
    const earlyStop = this.cfg.patience > 0 && this.badEpochs >= this.cfg.patience;
    const last = this.epoch >= this.cfg.epochs || earlyStop;
    if (this.topo.rewires && this.topo.everySteps === 0 && !last) {
      const zeta = this.policy.zetaAt(this.epoch - 1);
      const r = this.rewire(zeta);
      c.zeta = zeta;
      c.pruned += r.pruned;
      c.regrown += r.regrown;
      c.fallbacks += r.fallbacks;
    }
    const counts = parameterCounts(this.model.layers);
    const record: EpochRecord = {
      epoch: this.epoch,
      trainLoss,
      val,
      improved,
      zeta: c.zeta,
      pruned: c.pruned,
      regrown: c.regrown,
      fallbacks: c.fallbacks,
      density: counts.sparseDensity,
      paramsKept: counts.kept,
      paramsDense: counts.dense,
      rewiringFrozen: !this.topo.rewires || this.policy.frozen,
      seconds: c.seconds + (now() - t0),
    };
    this.history.push(record);
    this.cursor = null;
    if (last) this.finish(earlyStop ? 'early-stop' : 'completed');
    return record;
  }

  /** Runs (or resumes) training until the epochs are done, early stopping, or shouldStop. */
  fit(cb: FitCallbacks = {}): FitResult {
    if (!this.finished) this.stopReason = null;
    while (!this.finished) {
      let positions: Int32Array | null;
      while ((positions = this.nextBatchIndices())) {
        if (cb.shouldStop?.()) {
          this.stopReason = 'cancelled';
          return this.result();
        }
        const t0 = now();
        const g = this.gradientsAt(positions);
        this.applyGradients(g);
        const c = this.openCursor();
        c.seconds += now() - t0;
        cb.onBatch?.({ epoch: this.epoch + 1, batch: c.batch, batches: this.batchesPerEpoch, loss: g.loss, step: this.step });
      }
      const rec = this.endEpoch();
      cb.onEpoch?.(rec);
    }
    return this.result();
  }

  private result(): FitResult {
    return { stopped: this.stopReason ?? 'completed', epochs: this.epoch, bestEpoch: this.bestEpoch, history: this.history };
  }

  private finish(reason: StopReason): void {
    this.finished = true;
    this.stopReason = reason;
    // Best weights and mask back in place; moments no longer matter.
    if (this.best && this.best.epoch !== this.epoch) this.model = deserializeModel(this.best.snapshot.config, this.best.snapshot.blobs);
  }

  private monitorValue(val: EvalMetrics | null, trainLoss: number): number {
    if (!val) return trainLoss;
    switch (this.cfg.monitor) {
      case 'cappedLoss':
        return val.cappedLoss ?? val.loss;
      case 'balancedAccuracy':
        return val.balancedAccuracy;
      case 'edgeMae':
        return val.edgeMae;
      default:
        return val.loss;
    }
  }

  private isImprovement(score: number): boolean {
    if (Number.isNaN(score)) return this.best === null;
    if (!this.best || Number.isNaN(this.best.score)) return true;
    const higher = this.val !== null && this.cfg.monitor === 'balancedAccuracy';
    return higher ? score > this.best.score + this.cfg.minDelta : score < this.best.score - this.cfg.minDelta;
  }

  // ---- topology --------------------------------------------------------

  /** Rewires every sparse layer with rate zeta by the method's regrowth rule. */
  rewire(zeta: number): { pruned: number; regrown: number; fallbacks: number } {
    const layers = this.model.sparseLayers();
    const sum = { pruned: 0, regrown: 0, fallbacks: 0 };
    if (!(zeta > 0) || layers.length === 0) return sum;
    const regrow = this.topo.regrow;
    if (regrow === 'gradient') {
      for (const l of layers) l.denseGrad = new Float32Array(l.nIn * l.nOut);
      const n = Math.min(this.cfg.gradientBatch ?? this.cfg.batchSize, this.train.length);
      const pick = new Int32Array(n);
      for (let i = 0; i < n; i++) pick[i] = this.rng.int(this.train.length);
      this.gradientsAt(pick);
      this.model.zeroGrad();
    }
    for (const l of layers) {
      const s = rewireLayer(l, { zeta, regrow, rng: this.rng, denseGrad: l.denseGrad, maxPaths: this.cfg.maxPaths });
      l.denseGrad = null;
      sum.pruned += s.pruned;
      sum.regrown += s.regrown;
      if (s.fallback) sum.fallbacks++;
    }
    if (sum.regrown > 0) this.topologyVersion++;
    return sum;
  }

  // ---- evaluation ------------------------------------------------------

  /**
   * Loss, verdict metrics at 0.5 and mean absolute errors of the
   * regressions over `source`, in batches of batchSize (each loss term a
   * mean over its batches, weighted by their target counts): incrementally
   * when it is a DeltaSource and the trainer runs incrementally, else with
   * the full-graph forward. Both give the same figures, to rounding.
   */
  evaluate(source: readonly GraphSample[] | SampleSource | (SampleSource & DeltaSource)): EvalMetrics {
    const src = asSource(source);
    const model = this.model, bs = this.cfg.batchSize, lc = this.lossCfg;
    let gSum = 0, gN = 0, eSum = 0, eN = 0, nSum = 0, nN = 0, eAbs = 0, nAbs = 0, gCapped = 0;
    const probs: number[] = [], labels: number[] = [];
    const delta = this.incremental && isDeltaSource(source) ? source : null;
    if (delta) {
      // One pass (each scenario's base once), summed in runs of batchSize.
      const runs = this.engine().evaluate(model, delta, Array.from({ length: src.length }, (_, j) => j), lc, (_j, out, t) => {
        if (out.logit !== null && t.graph !== undefined) {
          probs.push(sigmoid(out.logit));
          labels.push(t.graph);
          gCapped += cappedGraphTerm(out.logit, t.graph, lc);
        }
      }, bs);
      for (const r of runs) {
        const sc = r.scale;
        // As computeLoss's means of the batch, times its counts.
        if (sc.graph > 0) { gSum += (r.graph / sc.graph) * sc.graph; gN += sc.graph; }
        if (sc.edgeN > 0 && sc.edgeW > 0) { eSum += (r.edge / sc.edgeW) * sc.edgeN; eN += sc.edgeN; }
        if (sc.nodeN > 0 && sc.nodeW > 0) { nSum += (r.node / sc.nodeW) * sc.nodeN; nN += sc.nodeN; }
        eAbs += r.edgeAbs;
        nAbs += r.nodeAbs;
      }
    }
    for (let s = 0; !delta && s < src.length; s += bs) {
      const end = Math.min(s + bs, src.length);
      const samples: GraphSample[] = [];
      for (let i = s; i < end; i++) samples.push(src.get(i));
      const batch = model.batch(this.graph, samples);
      const { out } = model.forward(batch);
      const loss = computeLoss(out, batch, lc);
      gSum += loss.graph * loss.counts.graph;
      gN += loss.counts.graph;
      eSum += loss.edge * loss.counts.edge;
      eN += loss.counts.edge;
      nSum += loss.node * loss.counts.node;
      nN += loss.counts.node;
      if (out.graph) {
        for (let b = 0; b < batch.size; b++) {
          if (!batch.graphTargetOn[b]) continue;
          probs.push(sigmoid(out.graph[b]));
          labels.push(batch.graphTarget[b]);
          gCapped += cappedGraphTerm(out.graph[b], batch.graphTarget[b], lc);
        }
      }
      if (out.edge) for (let i = 0; i < out.edge.length; i++) if (batch.edgeTargetOn[i]) eAbs += Math.abs(out.edge[i] - batch.edgeTarget[i]);
      if (out.node) for (let i = 0; i < out.node.length; i++) if (batch.nodeTargetOn[i]) nAbs += Math.abs(out.node[i] - batch.nodeTarget[i]);
    }
    const mean = (a: number, n: number) => (n > 0 ? a / n : 0);
    const graphLoss = mean(gSum, gN), edgeLoss = mean(eSum, eN), nodeLoss = mean(nSum, nN);
    const conf = confusion(probs, labels);
    return {
      samples: src.length,
      loss: lc.graphWeight * graphLoss + lc.edgeWeight * edgeLoss + lc.nodeWeight * nodeLoss,
      cappedLoss: lc.graphWeight * mean(gCapped, probs.length) + lc.edgeWeight * edgeLoss + lc.nodeWeight * nodeLoss,
      graphLoss, edgeLoss, nodeLoss,
      confusion: conf,
      accuracy: accuracy(conf),
      balancedAccuracy: balancedAccuracy(conf),
      recall: recall(conf),
      precision: precision(conf),
      edgeMae: eN > 0 ? eAbs / eN : NaN,
      nodeMae: nN > 0 ? nAbs / nN : NaN,
    };
  }

  // ---- checkpoint ------------------------------------------------------

  /** Everything needed to continue exactly where training is now. */
  state(): TrainerState {
    const m = serializeModel(this.model);
    const blobs: Blob[] = m.blobs.map((b) => ({ name: `model/${b.name}`, data: b.data }));
    for (const p of this.model.params()) {
      blobs.push({ name: `opt.m/${p.name}`, data: p.m.slice() }, { name: `opt.v/${p.name}`, data: p.v.slice() });
    }
    if (this.best) for (const b of this.best.snapshot.blobs) blobs.push({ name: `best/${b.name}`, data: b.data });
    const c = this.cursor;
    if (c) blobs.push({ name: 'cursor/order', data: c.order.slice() });
    const meta: TrainerCheckpoint = {
      format: TRAINER_CHECKPOINT_FORMAT,
      version: TRAINER_CHECKPOINT_VERSION,
      config: this.cfg,
      model: m.config,
      epoch: this.epoch,
      step: this.step,
      optimizerT: this.optimizer.t,
      rng: rngState(this.rng),
      policy: this.policy.state(),
      cursor: c ? { batch: c.batch, lossSum: c.lossSum, lossN: c.lossN, pruned: c.pruned, regrown: c.regrown, fallbacks: c.fallbacks, zeta: c.zeta, seconds: c.seconds } : null,
      best: this.best ? { score: this.best.score, epoch: this.best.epoch, model: this.best.snapshot.config } : null,
      badEpochs: this.badEpochs,
      history: this.history,
      finished: this.finished,
      stopReason: this.stopReason,
    };
    return { meta: encodeCheckpoint(meta), blobs };
  }

  /** A trainer continuing from state() on the same data (its config comes from the checkpoint). */
  static fromState(state: TrainerState, data: TrainData): Trainer {
    const meta = parseCheckpoint(state.meta);
    const model = deserializeModel(meta.model, prefixedBlobs(state.blobs, 'model/'));
    const t = new Trainer(meta.config, data, { model });
    t.restore(meta, state.blobs);
    return t;
  }

  /**
   * Puts this trainer (built with the same config and data) back where
   * state() was taken: weights, masks, moments, RNG, epoch, cursor, best.
   */
  loadState(state: TrainerState): void {
    this.restore(parseCheckpoint(state.meta), state.blobs);
  }

  private restore(meta: TrainerCheckpoint, blobs: readonly Blob[]): void {
    if (!sameConfig(meta.config, this.cfg)) {
      throw new LearnError('bad-state', 'checkpoint was taken with a different trainer config; use Trainer.fromState');
    }
    const byName = new Map(blobs.map((b) => [b.name, b.data]));
    const model = deserializeModel(meta.model, prefixedBlobs(blobs, 'model/'));
    for (const p of model.params()) {
      const mm = byName.get(`opt.m/${p.name}`), vv = byName.get(`opt.v/${p.name}`);
      if (!(mm instanceof Float32Array) || !(vv instanceof Float32Array) || mm.length !== p.m.length || vv.length !== p.v.length) {
        throw new LearnError('bad-state', `checkpoint moments for ${p.name} are missing or the wrong size`);
      }
      p.m.set(mm);
      p.v.set(vv);
    }
    let cursor: Cursor | null = null;
    if (meta.cursor) {
      const order = byName.get('cursor/order');
      if (!(order instanceof Int32Array) || order.length !== this.train.length) throw new LearnError('bad-state', 'checkpoint epoch order is missing or does not match the training set size');
      cursor = { ...meta.cursor, order: order.slice() };
    }
    this.model = model;
    this.cursor = cursor;
    this.epoch = meta.epoch;
    this.step = meta.step;
    this.optimizer.t = meta.optimizerT;
    this.rng.setState(meta.rng);
    this.policy.load(meta.policy);
    this.badEpochs = meta.badEpochs;
    this.history = meta.history;
    this.finished = meta.finished;
    this.stopReason = meta.stopReason;
    this.best = meta.best ? { score: meta.best.score, epoch: meta.best.epoch, snapshot: { config: meta.best.model, blobs: prefixedBlobs(blobs, 'best/') } } : null;
  }
}

function rngState(rng: Rng): [number, number, number, number] {
  const [a, b, c, d] = rng.getState();
  return [a, b, c, d];
}

function prefixedBlobs(blobs: readonly Blob[], prefix: string): Blob[] {
  return blobs.filter((b) => b.name.startsWith(prefix)).map((b) => ({ name: b.name.slice(prefix.length), data: b.data }));
}
