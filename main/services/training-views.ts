// How training figures travel to the window: one epoch's record (live from
// the trainer, or read back from the store) and a stored metrics block, with
// every figure that was not measured (NaN, no validation split) as null, so
// that it reads the same over IPC and over JSON.

import type { EpochView, MetricsView } from '../api';
import type { EpochRecord } from '../core/learn/trainer';
import type { EpochMetrics } from '../store';

/** A finite number, else null. */
export function figure(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

/** An epoch as the trainer reports it when it ends. */
export function epochOfRecord(r: EpochRecord): EpochView {
  return {
    epoch: r.epoch, loss: figure(r.trainLoss), valLoss: figure(r.val?.loss), valCappedLoss: figure(r.val?.cappedLoss), balancedAccuracy: figure(r.val?.balancedAccuracy),
    recall: figure(r.val?.recall), density: figure(r.density), zeta: figure(r.zeta), pruned: r.pruned, regrown: r.regrown, seconds: figure(r.seconds),
  };
}

/** An epoch as the store keeps it (train.ts commits the trainer's record with its validation metrics). */
export function epochOfStored(m: EpochMetrics): EpochView {
  const v = m.valMetrics as Record<string, unknown>;
  return {
    epoch: m.epoch, loss: figure(m.loss), valLoss: figure(v.loss), valCappedLoss: figure(v.cappedLoss), balancedAccuracy: figure(v.balancedAccuracy), recall: figure(v.recall),
    density: figure(m.density), zeta: figure(m.zeta), pruned: m.pruned, regrown: m.regrown, seconds: figure(m.seconds),
  };
}

/** A metrics block of a model's stored outcome (TrainOutcome's val, test, testStressed, dc.test); null when absent. */
export function metricsOf(block: unknown): MetricsView | null {
  if (!block || typeof block !== 'object') return null;
  const b = block as Record<string, unknown>;
  const samples = figure(b.samples);
  if (samples === null) return null;
  return {
    samples, insecure: figure(b.insecure) ?? 0, accuracy: figure(b.accuracy), balancedAccuracy: figure(b.balancedAccuracy),
    recall: figure(b.recall), precision: figure(b.precision), loadingMae: figure(b.loadingMae), vmMae: figure(b.vmMae),
  };
}
