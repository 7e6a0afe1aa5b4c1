// Verified screening (n1 --mode screen): the surrogate scores every branch
// outage of the case, islanding is decided by topology, and every outage the
// surrogate flags or that lies within the safety band below its threshold,
// and every one whose AC-step record's estimate did not settle (features.ts
// SETTLED_MISMATCH), is solved by the exact AC engine (runN1: all cores for a large case,
// streaming into the store); the rest keep the surrogate's verdict. The run
// is stored like any N-1 run, of mode 'screen', each record saying how it
// was judged and carrying the surrogate's probability.

import type { ContingencyRecord, JudgedRecord } from '../core/grid/contingency-types';
import type { ExactReasons } from '../core/report/types';
import { parseMatpower } from '../core/grid/matpower';
import { solvedExactly, surrogateRecord } from '../core/learn/screen';
import type { ScreenRunConfig, Store } from '../store';
import type { N1Progress } from './n1';
import { runStoredN1, resumeStoredN1, type StoredN1Options, type StoredN1Outcome } from './n1-stored';
import { loadSurrogate, predictCase, predictCaseInWorkers, surrogateThreads, PredictError, type PredictedContingency } from './predict';
import { modelBand } from './screen-band';
import { acStudy } from '../jobs/n1-job';
import { defaultWorkers } from '../jobs/pool';

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
  /** As stored with the run, `why` always present (a screen of this version keeps it). */
  screen: ScreenRunConfig & { why: ExactReasons };
  /** Where the band came from. */
  bandSource: 'model' | 'given';
  timing: ScreenTiming;
}

/**
 * Where a screen's wall seconds go. The first four and `exact` add up to
 * `total`; `predict` is predictorSetUp + features + network, and `exact` is
 * exactSetUp + exactSolves + store.
 */
export interface ScreenTiming {
  /** Reading the model from the store and its band (the band computed once if it was not stored). */
  model: number;
  /** The surrogate's predictor for this point: parse, compile, AC base case, static features, base graph. */
  predictorSetUp: number;
  /** Per-outage DC-LODF features. */
  features: number;
  /** The network's incremental inference over every non-islanded outage. */
  network: number;
  predict: number;
  /** The exact engine's set-up in this thread: store the case, parse, AC base case, checks. */
  exactSetUp: number;
  /** The exact solves (this thread or the pool: its start included) and deciding islanded outages by topology. */
  exactSolves: number;
  /** Writing records and reading the run back. */
  store: number;
  exact: number;
  total: number;
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
  // AC-step records are worth a pool of the screen's threads (surrogateThreads); then the exact engine solves its own base case.
  const threads = surrogateThreads(s, req.workers ?? defaultWorkers());
  const po = threads > 1 ? await predictCaseInWorkers(s, c, threads, req.signal) : predictCase(s, c);
  const pred = po.contingencies;
  const t2 = performance.now();
  const threshold = s.config.threshold;

  const byRow = new Map<number, PredictedContingency>(pred.map((p) => [p.branch, p]));
  const all = pred.map((p) => p.branch).sort((a, b) => a - b);
  const exact: number[] = [], kept: JudgedRecord[] = [];
  let flagged = 0, inBand = 0, unsettled = 0, islanded = 0;
  for (const row of all) {
    const p = byRow.get(row)!;
    // Topology decides these (the exact engine records them without solving): the spec's first verdict.
    if (p.verdict === 'islanded') { islanded++; exact.push(row); continue; }
    if (p.pInsecure >= threshold) { flagged++; exact.push(row); continue; }
    if (solvedExactly(p.pInsecure, threshold, band)) { inBand++; exact.push(row); continue; }
    // A record whose AC estimate did not settle describes no post-outage state: the network's confidence is not evidence.
    if (p.estimateSettled === false) { unsettled++; exact.push(row); continue; }
    kept.push(surrogateRecord({ branch: row, from: p.from, to: p.to, probability: p.pInsecure, maxLoading: p.maxLoading }));
  }
  const config: ScreenOutcome['screen'] = { modelId: s.id, threshold, band, exact: exact.length - islanded, surrogate: kept.length, topology: islanded, why: { flagged, inBand, unsettled } };
  // The exact engine is the predictor's: its base case is solved once for both.
  const prepared = po.engine ? { case: c, study: acStudy(po.engine, 'branch') } : undefined;
  const out = await runStoredN1(store, { caseText: req.caseText, fileName: req.fileName, mode: 'ac', kind: 'branch', elements: exact, screen: { config, all, kept }, prepared }, {
    workers: req.workers, cluster: req.cluster, signal: req.signal, onProgress: req.onProgress, onRunId: req.onRunId, judge: judgeWith(byRow), extraSeconds: (t2 - t0) / 1000,
  });
  const t3 = performance.now();
  const exactS = (t3 - t2) / 1000;
  const timing: ScreenTiming = {
    model: (t1 - t0) / 1000, predictorSetUp: po.seconds.base, features: po.seconds.features, network: po.seconds.inference, predict: (t2 - t1) / 1000,
    exactSetUp: Math.max(0, exactS - out.solveSeconds - out.storeSeconds), exactSolves: out.solveSeconds, store: out.storeSeconds, exact: exactS, total: (t3 - t0) / 1000,
  };
  return { ...out, screen: config, bandSource: req.band === undefined ? 'model' : 'given', timing };
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
      const s = loadSurrogate(store, run.config.screen.modelId);
      const threads = surrogateThreads(s, opts.workers ?? defaultWorkers());
      const po = threads > 1 ? await predictCaseInWorkers(s, c, threads, opts.signal) : predictCase(s, c);
      byRow = new Map(po.contingencies.map((p) => [p.branch, p]));
    } catch (e) {
      if (!(e instanceof PredictError)) throw e;
    }
  }
  return resumeStoredN1(store, runId, { ...opts, judge: byRow ? judgeWith(byRow) : undefined });
}
