// One cross-validation run of the GIN on one fold: dense, fixed-rate
// rewiring (SET: prune the smallest |w|, regrow at random, zeta constant) or
// adaptive rewiring (the house's 'adaptive' method: CH3-L3 regrowth, zeta
// following validation loss, frozen below the floor) plus early stopping on
// the validation part. Every epoch is evaluated on validation and test so
// the curve is there for all methods; the reported test accuracy is the last
// epoch's (dense, fixed) or the best-validation epoch's (adaptive, which is
// what restoring the early-stopped model gives).

import { LearnError } from '../errors';
import { Optimizer } from '../optim';
import { rewireLayer } from '../rewire';
import { Rng } from '../rng';
import { RatePolicy, resolveTopology } from '../schedule';
import { Gin, softmaxCrossEntropy } from './gin';
import { type FoldSplit } from './folds';
import { type TuData, makeBatch } from './graphs';

export type TuMethod = 'dense' | 'fixed' | 'adaptive';
export const TU_METHODS: readonly TuMethod[] = ['dense', 'fixed', 'adaptive'];

export interface TuTrainConfig {
  hidden: number;
  layers: number;
  learnEps: boolean;
  dropout: number;
  batchNorm: boolean;
  epochs: number;
  batchSize: number;
  lr: number;
  /** The learning rate halves every this many epochs (GIN: 50). */
  lrHalveEvery: number;
  weightDecay: number;
  /** Fixed-rate rewiring's zeta, and the adaptive rate's start. */
  zeta: number;
  /** Adaptive rate: factors after an improving / a non-improving epoch, cap and freeze floor. */
  up: number;
  down: number;
  zetaMax: number;
  floor: number;
  /** Early stopping (adaptive): epochs without a better validation loss before stopping. */
  patience: number;
}

export const defaultTuTrain: TuTrainConfig = {
  hidden: 32, layers: 4, learnEps: false, dropout: 0.5, batchNorm: true,
  epochs: 100, batchSize: 32, lr: 0.01, lrHalveEvery: 50, weightDecay: 0,
  zeta: 0.3, up: 1.2, down: 0.7, zetaMax: 0.5, floor: 0.02, patience: 25,
};

export interface TuEpoch {
  epoch: number;
  trainLoss: number;
  valLoss: number;
  valAccuracy: number;
  testAccuracy: number;
  /** The rate the topology is rewired with after this epoch (0: not rewired). */
  zeta: number;
}

export interface TuRunResult {
  /** Test accuracy of the model the method keeps (see the header). */
  accuracy: number;
  params: number;
  epochs: number;
  bestEpoch: number;
  curve: number[];
  history: TuEpoch[];
}

export interface TuRunRequest {
  data: TuData;
  split: FoldSplit;
  method: TuMethod;
  sparsity: number;
  cfg: TuTrainConfig;
  seed: number;
  /** Awaited after every epoch (the runner yields to the event loop there, so a stop request is seen). */
  onEpoch?: (e: TuEpoch) => void | Promise<void>;
  /** Checked before every epoch; true stops the run with an 'aborted' error. */
  stopped?: () => boolean;
}

export class TuAborted extends Error {
  constructor() {
    super('the study was stopped');
    this.name = 'AbortError';
  }
}

export function evaluate(net: Gin, data: TuData, ids: Int32Array, batchSize: number): { loss: number; accuracy: number } {
  if (ids.length === 0) return { loss: NaN, accuracy: NaN };
  let loss = 0, correct = 0;
  for (let s = 0; s < ids.length; s += batchSize) {
    const b = makeBatch(data, ids.subarray(s, s + batchSize));
    const r = softmaxCrossEntropy(net.forward(b).logits, b.labels, data.classes);
    loss += r.loss * b.graphs;
    correct += r.correct;
  }
  return { loss: loss / ids.length, accuracy: correct / ids.length };
}

export async function trainTuRun(req: TuRunRequest): Promise<TuRunResult> {
  const { data, split, method, cfg } = req;
  if (!TU_METHODS.includes(method)) throw new LearnError('bad-config', `method must be one of ${TU_METHODS.join(', ')}, got '${method}'`);
  if (method === 'dense' && req.sparsity !== 0) throw new LearnError('bad-config', `the dense method has sparsity 0, got ${req.sparsity}`);
  if (method !== 'dense' && !(req.sparsity > 0 && req.sparsity < 1)) throw new LearnError('bad-config', `method ${method} needs a sparsity in (0, 1), got ${req.sparsity}`);
  if (method === 'adaptive' && split.val.length === 0) throw new LearnError('bad-config', 'adaptive rewiring needs a validation part');
  const rng = new Rng(req.seed);
  const net = new Gin({ inDim: data.featDim, classes: data.classes, hidden: cfg.hidden, layers: cfg.layers, sparsity: req.sparsity, learnEps: cfg.learnEps, dropout: cfg.dropout, batchNorm: cfg.batchNorm }, rng.fork());
  const shuffleRng = rng.fork(), dropRng = rng.fork(), rewireRng = rng.fork();
  const topo = method === 'dense' ? null : resolveTopology({ method: method === 'fixed' ? 'set' : 'adaptive' });
  const policy = topo ? new RatePolicy({ ...topo.rate, zeta0: cfg.zeta, up: cfg.up, down: cfg.down, zetaMax: cfg.zetaMax, floor: cfg.floor }) : null;
  const opt = new Optimizer({ kind: 'adam', lr: cfg.lr, weightDecay: cfg.weightDecay });
  const params = net.params();
  const order = Int32Array.from(split.train);
  const history: TuEpoch[] = [];
  let bestLoss = Infinity, best: TuEpoch | null = null, bad = 0;
  for (let epoch = 1; epoch <= cfg.epochs; epoch++) {
    if (req.stopped?.()) throw new TuAborted();
    const lr = cfg.lr * Math.pow(0.5, Math.floor((epoch - 1) / cfg.lrHalveEvery));
    shuffleRng.shuffle(order);
    let lossSum = 0;
    for (let s = 0; s < order.length; s += cfg.batchSize) {
      const b = makeBatch(data, order.subarray(s, s + cfg.batchSize));
      net.zeroGrad();
      const pass = net.forward(b, { rng: dropRng });
      const r = softmaxCrossEntropy(pass.logits, b.labels, data.classes);
      net.backward(b, pass, r.grad);
      opt.step(params, lr);
      lossSum += r.loss * b.graphs;
    }
    const val = evaluate(net, data, split.val, 128);
    const test = evaluate(net, data, split.test, 128);
    const improved = val.loss < bestLoss;
    if (improved) { bestLoss = val.loss; bad = 0; } else bad++;
    if (method === 'adaptive') policy!.observe(improved);
    const last = epoch === cfg.epochs || (method === 'adaptive' && bad >= cfg.patience);
    // Not after the last epoch: the kept model is evaluated as trained.
    const zeta = policy && !last ? policy.zetaAt(epoch - 1) : 0;
    const e: TuEpoch = { epoch, trainLoss: lossSum / order.length, valLoss: val.loss, valAccuracy: val.accuracy, testAccuracy: test.accuracy, zeta };
    if (improved) best = e;
    history.push(e);
    await req.onEpoch?.(e);
    if (last) break;
    if (zeta > 0) {
      for (const layer of net.sparseLayers()) rewireLayer(layer, { zeta, regrow: topo!.regrow, rng: rewireRng });
    }
  }
  const last = history[history.length - 1];
  const kept = method === 'adaptive' && best ? best : last;
  return { accuracy: kept.testAccuracy, params: net.paramCount(), epochs: history.length, bestEpoch: kept.epoch, curve: history.map((h) => h.testAccuracy), history };
}
