// The trainer's checkpoint: everything Trainer.state() needs besides its
// blobs to continue exactly, as a typed, versioned object, and the parser
// that reads one back from the store. The parser checks every field and
// names the first one that is wrong, so a damaged checkpoint fails with
// "checkpoint field 'cursor.lossN' ..." instead of training from garbage.
//
// Version 1 is the shape Trainer.state() has written since checkpoints were
// stored (commit 1b020d0 and before); non-finite numbers (NaN recall of an
// empty class, say) travel as the strings "NaN", "Infinity", "-Infinity".

import { z } from 'zod';
import { LearnError } from './errors';
import type { GraphNetConfig } from './gnn';
import type { Confusion } from './metrics';
import { MONITORS } from './monitor';
import { REGROW_RULES } from './rewire';
import { TOPOLOGY_METHODS, type RateState } from './schedule';
import type { SerializedModel } from './serialize';
import type { EpochRecord, EvalMetrics, StopReason, TrainerConfig, TrainerConfigInput } from './trainer';

export const TRAINER_CHECKPOINT_FORMAT = 'gridrewire-trainer';
export const TRAINER_CHECKPOINT_VERSION = 1;

/** The open epoch's bookkeeping (its sample order is the blob 'cursor/order'). */
export interface CursorState {
  batch: number;
  lossSum: number;
  lossN: number;
  pruned: number;
  regrown: number;
  fallbacks: number;
  zeta: number;
  seconds: number;
}

/** The best epoch so far (its weights and mask are the blobs 'best/...'). */
export interface BestState {
  score: number;
  epoch: number;
  model: SerializedModel['config'];
}

export interface TrainerCheckpoint {
  format: typeof TRAINER_CHECKPOINT_FORMAT;
  version: typeof TRAINER_CHECKPOINT_VERSION;
  /** The resolved trainer config the run was started with. */
  config: TrainerConfig;
  /** The current model's config (its weights: the blobs 'model/...'). */
  model: SerializedModel['config'];
  /** Completed epochs. */
  epoch: number;
  /** Optimiser steps taken. */
  step: number;
  /** Adam's step count (bias correction). */
  optimizerT: number;
  rng: [number, number, number, number];
  policy: RateState;
  cursor: CursorState | null;
  best: BestState | null;
  badEpochs: number;
  history: EpochRecord[];
  finished: boolean;
  stopReason: StopReason | null;
}

// ---- the schema ------------------------------------------------------------

const NON_FINITE = { NaN, Infinity, '-Infinity': -Infinity } as const;

/** Any number, non-finite ones written as strings. */
const num = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity']).transform((s) => NON_FINITE[s])], {
  error: 'expected a number (or "NaN", "Infinity", "-Infinity")',
});
const finite = z.number();
const count = z.number().int().min(0);
const u32 = z.number().int().min(0).max(0xffffffff);

const heads = z.strictObject({ edge: z.boolean(), node: z.boolean(), graph: z.boolean() });

const graphNetFields = {
  hidden: count,
  layers: count,
  headHidden: count,
  eps: finite,
  residual: z.boolean(),
  heads,
  sparsity: finite,
  density: z.enum(['erk', 'uniform']),
  predPoolGain: finite,
  offsetPool: z.boolean().optional(),
  offsetPoolGain: finite.optional(),
};

const graphNetConfig = z.strictObject({ nodeFeatDim: count, edgeFeatDim: count, ...graphNetFields }) satisfies z.ZodType<GraphNetConfig>;

const modelConfig = z.strictObject({
  format: z.literal('gridrewire-gnn'),
  version: z.literal(1),
  model: graphNetConfig,
  layers: z.array(z.strictObject({ name: z.string(), kind: z.enum(['dense', 'sparse']), nIn: count, nOut: count, nnz: count })),
}) satisfies z.ZodType<SerializedModel['config']>;

const trainerConfig = z.strictObject({
  model: z.strictObject({ nodeFeatDim: count, edgeFeatDim: count, ...z.strictObject(graphNetFields).partial().shape }),
  topology: z.strictObject({
    method: z.enum(TOPOLOGY_METHODS),
    regrow: z.enum(REGROW_RULES).optional(),
    rate: z.strictObject({
      kind: z.enum(['none', 'fixed', 'cosine', 'adaptive']),
      zeta0: finite, tEnd: finite, up: finite, down: finite, zetaMax: finite, floor: finite,
    }).partial().optional(),
    everySteps: count.optional(),
    cosineEnd: finite.optional(),
  }),
  optimizer: z.strictObject({
    kind: z.enum(['adam', 'sgd']),
    lr: finite,
    beta1: finite.optional(),
    beta2: finite.optional(),
    eps: finite.optional(),
    momentum: finite.optional(),
    weightDecay: finite.optional(),
    clipNorm: finite.optional(),
    warmupSteps: count.optional(),
    decay: z.enum(['none', 'cosine']).optional(),
    decaySteps: count.optional(),
    minLrFactor: finite.optional(),
  }),
  loss: z.strictObject({
    graphWeight: finite, edgeWeight: finite, nodeWeight: finite, posWeight: finite,
    regression: z.enum(['mse', 'huber']), huberDelta: finite,
  }).partial(),
  epochs: count,
  batchSize: count,
  patience: count,
  monitor: z.enum(MONITORS),
  minDelta: finite,
  seed: count,
  gradientBatch: count.optional(),
  maxPaths: count.optional(),
  grouping: z.strictObject({ group: count, window: count }).optional(),
}) satisfies z.ZodType<TrainerConfig>;

const confusion = z.strictObject({ tp: count, fp: count, tn: count, fn: count }) satisfies z.ZodType<Confusion>;

const evalMetrics = z.strictObject({
  samples: count, loss: num, cappedLoss: num.optional(), graphLoss: num, edgeLoss: num, nodeLoss: num, confusion,
  accuracy: num, balancedAccuracy: num, recall: num, precision: num, edgeMae: num, nodeMae: num,
}) satisfies z.ZodType<EvalMetrics>;

const epochRecord = z.strictObject({
  epoch: count, trainLoss: num, val: evalMetrics.nullable(), improved: z.boolean(), zeta: num,
  pruned: count, regrown: count, fallbacks: count, density: num, paramsKept: count, paramsDense: count,
  rewiringFrozen: z.boolean(), seconds: num,
}) satisfies z.ZodType<EpochRecord>;

const checkpoint = z.strictObject({
  format: z.literal(TRAINER_CHECKPOINT_FORMAT),
  version: z.literal(TRAINER_CHECKPOINT_VERSION),
  config: trainerConfig,
  model: modelConfig,
  epoch: count,
  step: count,
  optimizerT: count,
  rng: z.tuple([u32, u32, u32, u32]),
  policy: z.strictObject({ zeta: finite, frozen: z.boolean() }),
  cursor: z.strictObject({ batch: count, lossSum: num, lossN: count, pruned: count, regrown: count, fallbacks: count, zeta: finite, seconds: num }).nullable(),
  best: z.strictObject({ score: num, epoch: count, model: modelConfig }).nullable(),
  badEpochs: count,
  history: z.array(epochRecord),
  finished: z.boolean(),
  stopReason: z.enum(['completed', 'early-stop', 'cancelled']).nullable(),
}) satisfies z.ZodType<TrainerCheckpoint>;

// ---- reading and writing -----------------------------------------------------

/** The checkpoint as plain JSON (what the store keeps). */
export function encodeCheckpoint(cp: TrainerCheckpoint): Record<string, unknown> {
  return JSON.parse(JSON.stringify(cp, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
}

/** Reads a checkpoint (as encodeCheckpoint wrote it); a LearnError names the first wrong field. */
export function parseCheckpoint(meta: unknown): TrainerCheckpoint {
  const head = z.looseObject({ format: z.literal(TRAINER_CHECKPOINT_FORMAT) }).safeParse(meta);
  if (!head.success) throw new LearnError('bad-state', 'not a gridrewire-trainer checkpoint (format/version)');
  const { version } = head.data;
  if (version !== TRAINER_CHECKPOINT_VERSION) {
    throw new LearnError('bad-state', `not a gridrewire-trainer checkpoint (format/version): version ${JSON.stringify(version)}, this build reads ${TRAINER_CHECKPOINT_VERSION}`);
  }
  const r = checkpoint.safeParse(meta);
  if (!r.success) throw new LearnError('bad-state', describeIssue(r.error.issues[0], meta));
  const cp = r.data;
  // What the fields must agree on.
  if (cp.history.length !== cp.epoch) throw wrongField('history', `has ${cp.history.length} epoch records for ${cp.epoch} completed epochs`);
  cp.history.forEach((h, i) => {
    if (h.epoch !== i + 1) throw wrongField(`history.${i}.epoch`, `is ${h.epoch}, expected ${i + 1}`);
  });
  if (cp.best && cp.best.epoch > cp.epoch) throw wrongField('best.epoch', `is ${cp.best.epoch}, after the ${cp.epoch} completed epochs`);
  return cp;
}

function wrongField(path: string, what: string): LearnError {
  return new LearnError('bad-state', `checkpoint field '${path}' ${what}`);
}

function describeIssue(issue: z.core.$ZodIssue, meta: unknown): string {
  const at = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') return `checkpoint field '${[...at, issue.keys[0]].join('.')}' is not part of a version ${TRAINER_CHECKPOINT_VERSION} checkpoint`;
  const field = `checkpoint field '${at.join('.')}'`;
  return valueAt(meta, at) === undefined ? `${field} is missing` : `${field} is wrong: ${issue.message}`;
}

function valueAt(v: unknown, path: readonly string[]): unknown {
  for (const k of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = Object.entries(v).find(([key]) => key === k)?.[1];
  }
  return v;
}

/**
 * Deep equality of two trainer configs as values: same keys (a key set to
 * undefined counts as absent, as in JSON) and equal leaves.
 */
export function sameConfig(a: TrainerConfig, b: TrainerConfig): boolean {
  return sameValue(a, b);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = (o: object) => Object.entries(o).filter(([, v]) => v !== undefined);
  const ea = keys(a), eb = new Map(keys(b));
  return ea.length === eb.size && ea.every(([k, v]) => eb.has(k) && sameValue(v, eb.get(k)));
}

/** A trainer config as given to new Trainer() (what a stored training run keeps). */
export const trainerConfigInput = trainerConfig.partial().required({ model: true }) satisfies z.ZodType<TrainerConfigInput>;
