// Train every topology method on one dataset with the same budget and seed,
// and line them up with the DC-LODF screen on the same test samples.

import type { RegrowRule } from '../core/learn/rewire';
import type { TopologyMethod } from '../core/learn/schedule';
import type { VerdictMetrics } from '../core/learn/surrogate';
import type { Store } from '../store';
import { loadDataset } from './dataset';
import { trainSurrogate, type TrainOptions, type TrainOutcome, type TrainRequest } from './train';

export const COMPARED: readonly { method: TopologyMethod; regrow?: RegrowRule; label: string }[] = [
  { method: 'dense', label: 'dense' },
  { method: 'static', label: 'static' },
  { method: 'set', regrow: 'random', label: 'set' },
  { method: 'rigl', regrow: 'gradient', label: 'rigl' },
  { method: 'adaptive', regrow: 'random', label: 'adaptive+random' },
  { method: 'adaptive', regrow: 'ch3l3', label: 'adaptive+ch3l3' },
];

export interface CompareRequest extends Omit<TrainOptions, 'method' | 'regrow'> {
  store: Store;
  datasetId: number;
  workers?: number;
  /** Subset of COMPARED labels (default all). */
  only?: string[];
  signal?: AbortSignal;
  onStart?: (label: string, i: number, n: number) => void;
  onEpoch?: TrainRequest['onEpoch'];
  onBatch?: TrainRequest['onBatch'];
  onDone?: (label: string, o: TrainOutcome) => void;
}

export interface TargetCheck {
  what: string;
  value: number;
  target: string;
  met: boolean;
}

export interface CompareOutcome {
  datasetId: number;
  rows: { label: string; outcome: TrainOutcome }[];
  dc: { test: VerdictMetrics; testStressed: VerdictMetrics | null } | null;
  /** Issue 5's target for adaptive+ch3l3, on the stressed test scenarios (all test scenarios when none is stressed). */
  target: TargetCheck[];
  cancelled: boolean;
}

export async function compareMethods(req: CompareRequest): Promise<CompareOutcome> {
  const loaded = loadDataset(req.store, req.datasetId);
  const list = req.only ? COMPARED.filter((c) => req.only!.includes(c.label)) : COMPARED;
  const rows: CompareOutcome['rows'] = [];
  let cancelled = false;
  for (const [i, c] of list.entries()) {
    req.onStart?.(c.label, i, list.length);
    const o = await trainSurrogate({
      ...req, loaded, method: c.method, regrow: c.regrow, name: `${loaded.config.caseName} compare ${c.label}`,
      onEpoch: req.onEpoch, onBatch: req.onBatch,
    });
    rows.push({ label: c.label, outcome: o });
    req.onDone?.(c.label, o);
    if (o.cancelled) { cancelled = true; break; }
  }
  const dc = rows.find((r) => r.outcome.dc)?.outcome.dc ?? null;
  return { datasetId: req.datasetId, rows, dc, target: targetChecks(rows), cancelled };
}

/** Balanced accuracy >= 0.98, recall >= 0.99, loading MAE <= 0.02, <= 10% of dense parameters, within a point of dense. */
export function targetChecks(rows: CompareOutcome['rows']): TargetCheck[] {
  const a = rows.find((r) => r.label === 'adaptive+ch3l3')?.outcome;
  const d = rows.find((r) => r.label === 'dense')?.outcome;
  if (!a || a.cancelled) return [];
  const m = a.testStressed ?? a.test;
  if (!m) return [];
  const out: TargetCheck[] = [
    { what: 'balanced accuracy', value: m.balancedAccuracy, target: '>= 0.98', met: m.balancedAccuracy >= 0.98 },
    { what: 'insecure recall', value: m.recall, target: '>= 0.99', met: m.recall >= 0.99 },
    { what: 'loading MAE', value: m.loadingMae, target: '<= 0.02', met: m.loadingMae <= 0.02 },
    { what: 'parameters / dense', value: a.params.fraction, target: '<= 0.10', met: a.params.fraction <= 0.1 },
  ];
  const dm = d && !d.cancelled ? d.testStressed ?? d.test : null;
  if (dm) out.push({ what: 'balanced accuracy - dense', value: m.balancedAccuracy - dm.balancedAccuracy, target: '>= -0.01', met: m.balancedAccuracy >= dm.balancedAccuracy - 0.01 });
  return out;
}
