// Training the image MLP with a topology method (Mocanu et al.'s SET;
// Evci et al.'s RigL; Zhang et al.'s CH3-L3 regrowth of Cannistraci-Hebb
// training) or dense: minibatch SGD with momentum, and after every epoch
// each sparse hidden layer rewired once through rewireLayer (prune the
// fraction zeta of smallest |w|, regrow as many). SET and CH3-L3 keep
// zeta = 0.3 fixed (SET's rate); RigL's zeta follows its cosine, from 0.3 to
// 0 at 75% of the epochs, and its gradient is the dense dL/dW of one batch.
// The state after each epoch is a checkpoint (typed arrays), so a stopped
// run resumes at the next epoch with the same result it would have had.

import { DenseLayer } from '../dense';
import { LearnError } from '../errors';
import { Optimizer } from '../optim';
import { type RegrowRule, type RewireStats, rewireLayer } from '../rewire';
import { Rng } from '../rng';
import { RatePolicy } from '../schedule';
import { SparseLayer } from '../sparse';
import { Mlp, type MlpShape } from './model';

export type MlpMethod = 'dense' | 'set' | 'rigl' | 'ch3l3';
export const MLP_METHODS: readonly MlpMethod[] = ['dense', 'set', 'rigl', 'ch3l3'];

const REGROW: Record<Exclude<MlpMethod, 'dense'>, RegrowRule> = { set: 'random', rigl: 'gradient', ch3l3: 'ch3l3' };

/** Images as rows of `dim` values in [0, 1] and their class labels. */
export interface ImageSet {
  x: Float32Array;
  y: Uint8Array;
  n: number;
  dim: number;
  classes: number;
}

export interface MlpTrainConfig {
  method: MlpMethod;
  hidden: number[];
  /** Kept fraction of each hidden layer (ignored for dense: 1). */
  density: number;
  epochs: number;
  batchSize: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  /** Cosine decay of the learning rate over the whole run, to 5% of lr (else constant). */
  lrCosine: boolean;
  /** Rewiring rate: fixed (SET, CH3-L3) or the start of RigL's cosine. */
  zeta: number;
  seed: number;
  /** Test accuracy whose first epoch is reported (epochs to the mark). */
  mark: number;
}

export const defaultMlpConfig: Omit<MlpTrainConfig, 'method'> = {
  hidden: [1000, 1000, 1000],
  density: 0.01,
  epochs: 100,
  batchSize: 32,
  lr: 0.025,
  momentum: 0.9,
  weightDecay: 5e-4,
  lrCosine: true,
  zeta: 0.3,
  seed: 1,
  mark: 0.85,
};

export interface LayerState {
  rowPtr: Int32Array | null;
  col: Int32Array | null;
  w: Float32Array;
  wm: Float32Array;
  b: Float32Array;
  bm: Float32Array;
}

/** Everything a run needs to continue after `epoch` epochs. */
export interface MlpCheckpoint {
  epoch: number;
  rng: number[];
  steps: number;
  layers: LayerState[];
  curve: number[];
  losses: number[];
  seconds: number;
}

export interface MlpEpoch {
  epoch: number;
  epochs: number;
  trainLoss: number;
  trainAccuracy: number;
  accuracy: number;
  rewired: RewireStats[];
  seconds: number;
}

export interface MlpTrainHooks {
  onEpoch?: (e: MlpEpoch) => void;
  /** Called with the state after each epoch (after the last: the trained network, for the studies). */
  checkpoint?: (c: MlpCheckpoint) => void;
  resumeFrom?: MlpCheckpoint;
  signal?: AbortSignal;
  /** Wall clock in seconds (injected: core has no timers of its own). */
  now?: () => number;
}

export interface MlpRun {
  model: Mlp;
  /** Test accuracy after each epoch. */
  curve: number[];
  losses: number[];
  accuracy: number;
  epochsToMark: number | null;
  params: number;
  epochs: number;
  seconds: number;
  /** The signal stopped it before the last epoch (the checkpoint holds the state). */
  stopped: boolean;
}

export function checkMlpConfig(c: MlpTrainConfig): void {
  if (!MLP_METHODS.includes(c.method)) throw new LearnError('bad-config', `method must be one of ${MLP_METHODS.join(', ')}, got '${c.method}'`);
  if (!(Number.isInteger(c.epochs) && c.epochs >= 1)) throw new LearnError('bad-config', `epochs must be a whole number of at least 1, got ${c.epochs}`);
  if (!(Number.isInteger(c.batchSize) && c.batchSize >= 1)) throw new LearnError('bad-config', `batch size must be a whole number of at least 1, got ${c.batchSize}`);
  if (c.method !== 'dense' && !(c.density > 0 && c.density < 1)) throw new LearnError('bad-config', `a sparse method needs a density in (0, 1), got ${c.density}`);
  if (!(c.zeta >= 0 && c.zeta <= 1)) throw new LearnError('bad-config', `zeta must be in [0, 1], got ${c.zeta}`);
}

export function mlpShape(c: MlpTrainConfig, data: Pick<ImageSet, 'dim' | 'classes'>): MlpShape {
  return { nIn: data.dim, hidden: c.hidden, nOut: data.classes, density: c.method === 'dense' ? 1 : c.density };
}

/** The network a run starts from (its masks and weights depend on the seed only), e.g. for the graphon of the initial masks. */
export function initialMlp(c: MlpTrainConfig, data: Pick<ImageSet, 'dim' | 'classes'>): Mlp {
  return Mlp.create(mlpShape(c, data), new Rng(c.seed));
}

const tick = () => new Promise<void>((r) => setTimeout(r, 0));

export async function trainMlp(train: ImageSet, test: ImageSet, c: MlpTrainConfig, hooks: MlpTrainHooks = {}): Promise<MlpRun> {
  checkMlpConfig(c);
  if (train.dim !== test.dim || train.classes !== test.classes) throw new LearnError('bad-shape', 'train and test images differ in size or classes');
  const now = hooks.now ?? (() => Date.now() / 1000);
  const rng = new Rng(c.seed);
  const model = Mlp.create(mlpShape(c, train), rng);
  const stepsPerEpoch = Math.ceil(train.n / c.batchSize);
  const opt = new Optimizer({
    kind: 'sgd', lr: c.lr, momentum: c.momentum, weightDecay: c.weightDecay,
    ...(c.lrCosine ? { decay: 'cosine' as const, decaySteps: stepsPerEpoch * c.epochs } : {}),
  });
  const rate = c.method === 'rigl' ? new RatePolicy({ kind: 'cosine', zeta0: c.zeta, tEnd: 0.75 }) : new RatePolicy({ kind: c.method === 'dense' ? 'none' : 'fixed', zeta0: c.zeta });
  let curve: number[] = [], losses: number[] = [], spent = 0, start = 0;
  if (hooks.resumeFrom) {
    const r = hooks.resumeFrom;
    restoreLayers(model, r.layers);
    rng.setState(r.rng);
    opt.t = r.steps;
    curve = r.curve.slice();
    losses = r.losses.slice();
    spent = r.seconds;
    start = r.epoch;
  }
  const order = new Int32Array(train.n);
  const xb = new Float32Array(c.batchSize * train.dim), yb = new Uint8Array(c.batchSize);
  const gather = (from: number, rows: number) => {
    for (let r = 0; r < rows; r++) {
      const i = order[from + r];
      xb.set(train.x.subarray(i * train.dim, (i + 1) * train.dim), r * train.dim);
      yb[r] = train.y[i];
    }
  };
  const params = model.params();
  let stopped = false;
  for (let epoch = start; epoch < c.epochs; epoch++) {
    if (hooks.signal?.aborted) { stopped = true; break; }
    const t0 = now();
    for (let i = 0; i < train.n; i++) order[i] = i;
    rng.shuffle(order);
    let lossSum = 0, correct = 0;
    for (let s = 0, b = 0; s < train.n; s += c.batchSize, b++) {
      const rows = Math.min(c.batchSize, train.n - s);
      gather(s, rows);
      model.zeroGrad();
      const r = model.lossAndGrad(xb.subarray(0, rows * train.dim), yb, rows);
      lossSum += r.loss * rows;
      correct += r.correct;
      opt.step(params);
      if (b % 200 === 199) {
        await tick();
        // Stopped mid-epoch: the partial epoch is dropped, the last checkpoint is where a resume starts.
        if (hooks.signal?.aborted) { stopped = true; break; }
      }
    }
    if (stopped) break;
    const accuracy = model.accuracy(test.x, test.y, test.n);
    curve.push(accuracy);
    losses.push(lossSum / train.n);
    // Rewire after every epoch but the last (the last mask is the one evaluated).
    const rewired: RewireStats[] = [];
    const zeta = rate.zetaAt(epoch / c.epochs);
    if (epoch < c.epochs - 1 && c.method !== 'dense' && zeta > 0) {
      if (c.method === 'rigl') captureDenseGradient(model, train, c.batchSize, xb, yb, gather);
      for (const l of model.sparseLayers) {
        rewired.push(rewireLayer(l, { zeta, regrow: REGROW[c.method], rng, denseGrad: l.denseGrad }));
        l.denseGrad = null;
      }
    }
    spent += now() - t0;
    hooks.onEpoch?.({ epoch: epoch + 1, epochs: c.epochs, trainLoss: lossSum / train.n, trainAccuracy: correct / train.n, accuracy, rewired, seconds: spent });
    hooks.checkpoint?.({ epoch: epoch + 1, rng: rng.getState(), steps: opt.t, layers: saveLayers(model), curve: curve.slice(), losses: losses.slice(), seconds: spent });
    await tick();
  }
  const at = curve.findIndex((a) => a >= c.mark);
  return {
    model, curve, losses,
    accuracy: curve.length ? curve[curve.length - 1] : 0,
    epochsToMark: at >= 0 ? at + 1 : null,
    params: model.paramCount(),
    epochs: curve.length,
    seconds: spent,
    stopped: stopped || curve.length < c.epochs,
  };
}

/** RigL's regrowth score: the dense dL/dW of one batch (the first of this epoch's order), captured on every sparse layer. */
function captureDenseGradient(model: Mlp, train: ImageSet, batch: number, xb: Float32Array, yb: Uint8Array, gather: (from: number, rows: number) => void): void {
  for (const l of model.sparseLayers) l.denseGrad = new Float32Array(l.nIn * l.nOut);
  const rows = Math.min(batch, train.n);
  gather(0, rows);
  model.zeroGrad();
  model.lossAndGrad(xb.subarray(0, rows * train.dim), yb, rows);
  model.zeroGrad();
}

function saveLayers(m: Mlp): LayerState[] {
  return m.layers.map((l) => ({
    rowPtr: l instanceof SparseLayer ? l.rowPtr.slice() : null,
    col: l instanceof SparseLayer ? l.col.slice() : null,
    w: l.weight.data.slice(), wm: l.weight.m.slice(), b: l.bias.data.slice(), bm: l.bias.m.slice(),
  }));
}

/** The trained network a checkpoint holds (e.g. the last epoch's, for the studies). */
export function mlpFromCheckpoint(c: MlpTrainConfig, data: Pick<ImageSet, 'dim' | 'classes'>, ck: MlpCheckpoint): Mlp {
  const m = Mlp.create(mlpShape(c, data), new Rng(c.seed));
  restoreLayers(m, ck.layers);
  return m;
}

function restoreLayers(m: Mlp, states: LayerState[]): void {
  if (states.length !== m.layers.length) throw new LearnError('bad-state', `checkpoint has ${states.length} layers, the network ${m.layers.length}`);
  m.layers.forEach((l, i) => {
    const s = states[i];
    if (l instanceof SparseLayer) {
      if (!s.rowPtr || !s.col) throw new LearnError('bad-state', `checkpoint layer ${l.name} has no mask`);
      l.setTopology(s.rowPtr.slice(), s.col.slice(), s.w.slice(), s.wm.slice(), new Float32Array(s.w.length));
    } else if (l instanceof DenseLayer) {
      if (s.w.length !== l.weight.data.length) throw new LearnError('bad-state', `checkpoint layer ${l.name} has ${s.w.length} weights, expected ${l.weight.data.length}`);
      l.weight.data.set(s.w);
      l.weight.m.set(s.wm);
    }
    l.bias.data.set(s.b);
    l.bias.m.set(s.bm);
  });
}
