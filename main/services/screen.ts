// Verified screening (n1 --mode screen): the surrogate scores every branch
// outage of the case, islanding is decided by topology, and every outage the
// surrogate flags or that lies within the safety band below its threshold is
// solved by the exact AC engine (runN1: all cores for a large case,
// streaming into the store); the rest keep the surrogate's verdict. The run
// is stored like any N-1 run, of mode 'screen', each record saying how it
// was judged and carrying the surrogate's probability.

import type { ContingencyRecord, JudgedRecord } from '../core/grid/contingency-types';
import { parseMatpower } from '../core/grid/matpower';
import { solvedExactly, surrogateRecord } from '../core/learn/screen';
import type { ScreenRunConfig, Store } from '../store';
import type { N1Progress } from './n1';
import { runStoredN1, resumeStoredN1, type StoredN1Options, type StoredN1Outcome } from './n1-stored';
import { loadSurrogate, predictCase, PredictError, type PredictedContingency } from './predict';
import { modelBand } from './screen-band';

export class ScreenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScreenError';
  }
}

export interface ScreenRequest {
  caseText: string;
  fileName: string;
  modelId: number;
  /** Overrides the band stored with the model. */
  band?: number;
  workers?: number;
  /** The exact part on a cluster's workers (BullMQ on Redis). */
  cluster?: StoredN1Options['cluster'];
  signal?: AbortSignal;
  onProgress?: (p: N1Progress) => void;
  onRunId?: (runId: number) => void;
}

export interface ScreenOutcome extends StoredN1Outcome {
  screen: ScreenRunConfig;
  /** Where the band came from. */
  bandSource: 'model' | 'given';
  /** Of the exactly solved: flagged by the surrogate, in the band only, islanded by topology. */
  flagged: number;
  inBand: number;
  islanded: number;
  /** Wall seconds: loading the model and choosing the band, the surrogate over every outage, the exact engine (base case included), all. */
  timing: { model: number; predict: number; exact: number; total: number };
}

/** Checks a band given by hand: a probability margin from 0 to 1. */
export function checkBand(band: number): number {
  if (!(Number.isFinite(band) && band >= 0 && band <= 1)) throw new ScreenError(`--band must be a number from 0 to 1 (a margin of P(insecure) below the model's threshold), got ${band}`);
  return band;
}

export async function runScreen(store: Store, req: ScreenRequest): Promise<ScreenOutcome> {
  const t0 = performance.now();
  if (req.band !== undefined) checkBand(req.band);
  const c = parseMatpower(req.caseText, req.fileName);
  const s = loadSurrogate(store, req.modelId);
  const band = req.band ?? modelBand(store, s).band;
  const t1 = performance.now();
  // Refuses a case of another grid (PredictError) before anything is stored.
  const pred = predictCase(s, c).contingencies;
  const t2 = performance.now();
  const threshold = s.config.threshold;

  const byRow = new Map<number, PredictedContingency>(pred.map((p) => [p.branch, p]));
  const all = pred.map((p) => p.branch).sort((a, b) => a - b);
  const exact: number[] = [], kept: JudgedRecord[] = [];
  let flagged = 0, inBand = 0, islanded = 0;
  for (const row of all) {
    const p = byRow.get(row)!;
    if (p.verdict === 'islanded') { islanded++; exact.push(row); continue; }
    if (p.pInsecure >= threshold) { flagged++; exact.push(row); continue; }
    if (solvedExactly(p.pInsecure, threshold, band)) { inBand++; exact.push(row); continue; }
    kept.push(surrogateRecord({ branch: row, from: p.from, to: p.to, probability: p.pInsecure, maxLoading: p.maxLoading }));
  }
  const config: ScreenRunConfig = { modelId: s.id, threshold, band, exact: exact.length, surrogate: kept.length };
  const out = await runStoredN1(store, { caseText: req.caseText, fileName: req.fileName, mode: 'ac', kind: 'branch', elements: exact, screen: { config, all, kept } }, {
    workers: req.workers, cluster: req.cluster, signal: req.signal, onProgress: req.onProgress, onRunId: req.onRunId, judge: judgeWith(byRow), extraSeconds: (t2 - t0) / 1000,
  });
  const t3 = performance.now();
  return {
    ...out, screen: config, bandSource: req.band === undefined ? 'model' : 'given', flagged, inBand, islanded,
    timing: { model: (t1 - t0) / 1000, predict: (t2 - t1) / 1000, exact: (t3 - t2) / 1000, total: (t3 - t0) / 1000 },
  };
}

/** An exactly solved record of a screen, with the surrogate's probability (1 for islanded: topology decides). */
function judgeWith(byRow: Map<number, PredictedContingency>): (r: ContingencyRecord) => JudgedRecord {
  return (r) => ({ ...r, judgedBy: 'exact', probability: r.branch !== undefined ? byRow.get(r.branch)?.pInsecure ?? null : null });
}

/** Finishes a cancelled or killed screen: the missing outages are exact ones; their probabilities come from the model again when it is still there. */
export async function resumeScreen(store: Store, runId: number, opts: { workers?: number; cluster?: StoredN1Options['cluster']; signal?: AbortSignal; onProgress?: (p: N1Progress) => void } = {}): Promise<StoredN1Outcome> {
  const run = store.n1.getRun(runId);
  if (!run) throw new ScreenError(`no N-1 run ${runId} in ${store.path}`);
  let byRow: Map<number, PredictedContingency> | null = null;
  if (run.config.screen) {
    try {
      const c = parseMatpower(store.cases.getText(run.caseId));
      byRow = new Map(predictCase(loadSurrogate(store, run.config.screen.modelId), c).contingencies.map((p) => [p.branch, p]));
    } catch (e) {
      if (!(e instanceof PredictError)) throw e;
    }
  }
  return resumeStoredN1(store, runId, { ...opts, judge: byRow ? judgeWith(byRow) : undefined });
}
