// N-1 runs that live in the store: every finished batch is committed as it
// arrives, so a run that is cancelled, crashes or is killed keeps what it
// finished and resumes computing only what is missing.

import type { ScreenRunConfig, Store } from '../store';
import type { ContingencyKind, ContingencyRecord, JudgedRecord } from '../core/grid/contingency-types';
import type { EngineOptions } from '../core/grid/contingency';
import { parseMatpower } from '../core/grid/matpower';
import { randomUUID } from 'node:crypto';
import { clusterChunkSize, runN1, type N1ClusterTarget, type N1Outcome, type N1Progress } from './n1';

export interface StoredN1Options {
  workers?: number;
  signal?: AbortSignal;
  onProgress?: (p: N1Progress) => void;
  /** Called once the run exists, before any contingency is solved. */
  onRunId?: (runId: number) => void;
  /** Solve on a cluster's workers: its Redis URL, and optionally the outages per chunk. */
  cluster?: Pick<N1ClusterTarget, 'url' | 'chunk' | 'onStatus'>;
  /** Seconds of work for this run before the engine started (a verified screen's surrogate), added to the run's stored time. */
  extraSeconds?: number;
  /** How each solved record is kept (a verified screen adds the surrogate's probability); default: judged exactly, no probability. */
  judge?: (r: ContingencyRecord) => JudgedRecord;
}

/** A verified screen's run: all its outages, the records the surrogate judged (stored first), the rest solved exactly. */
export interface StoredScreen {
  config: ScreenRunConfig;
  /** Every outage of the run (1-based rows); the request's elements are the ones solved exactly. */
  all: number[];
  kept: JudgedRecord[];
}

export interface StoredN1Outcome extends N1Outcome {
  runId: number;
  /** Every stored record of the run, by element. */
  records: JudgedRecord[];
  /** Records computed in this session (the rest came from the store). */
  computed: number;
}

export async function runStoredN1(
  store: Store,
  req: { caseText: string; fileName: string; mode: 'ac' | 'dc'; kind: ContingencyKind; elements?: number[]; engine?: EngineOptions; screen?: StoredScreen },
  opts: StoredN1Options = {},
): Promise<StoredN1Outcome> {
  const parsed = parseMatpower(req.caseText, req.fileName);
  const { id: caseId } = store.cases.import({ text: req.caseText, parsed, sourceFile: req.fileName });
  let runId = -1;
  // A cluster run keeps its queue key and chunk size, so that a resumed session's chunks keep their ids.
  const cluster = opts.cluster ? { key: randomUUID(), chunk: opts.cluster.chunk ?? 0 } : undefined;
  const target: N1ClusterTarget | undefined = opts.cluster && cluster ? { ...opts.cluster, runKey: cluster.key } : undefined;
  const out = await execute(store, () => runId, {
    ...req,
    onBase: (elements) => {
      const sc = req.screen;
      const all = sc ? sc.all : elements;
      if (cluster && target) target.chunk = cluster.chunk ||= clusterChunkSize(elements.length);
      runId = store.n1.createRun({
        caseId, mode: sc ? 'screen' : req.mode, kind: req.kind, elements: all, options: { ...(req.engine ?? {}) }, ...(sc ? { screen: sc.config } : {}), ...(cluster ? { cluster } : {}),
      }, all.length);
      // The surrogate's records first: a resume then computes only exact ones.
      if (sc) store.n1.appendRecords(runId, sc.kept);
      opts.onRunId?.(runId);
    },
  }, { ...opts, target });
  return { ...out, runId };
}

/** Finish a cancelled, failed or killed run: claims it and solves only the missing contingencies. */
export async function resumeStoredN1(store: Store, runId: number, opts: StoredN1Options = {}): Promise<StoredN1Outcome> {
  store.markStaleRunsInterrupted();
  const run = store.n1.claimRun(runId);
  const caseText = store.cases.getText(run.caseId);
  const c = store.cases.get(run.caseId);
  const missing = store.n1.missingElements(runId);
  opts.onRunId?.(runId);
  // On a cluster: the chunks of the run's own plan, under its key when it has one (a run started here gets a new key).
  const target: N1ClusterTarget | undefined = opts.cluster && {
    ...opts.cluster, runKey: run.config.cluster?.key ?? randomUUID(), chunk: run.config.cluster?.chunk ?? opts.cluster.chunk, plan: run.config.elements,
  };
  const out = await execute(store, () => runId, {
    // A screen's missing records are those it sends to the exact engine.
    caseText, fileName: c?.sourceFile ?? `${run.caseName}.m`, mode: run.config.mode === 'screen' ? 'ac' : run.config.mode, kind: run.config.kind,
    elements: missing, engine: run.config.options as EngineOptions,
  }, { ...opts, target });
  return { ...out, runId };
}

async function execute(
  store: Store, runId: () => number,
  req: { caseText: string; fileName: string; mode: 'ac' | 'dc'; kind: ContingencyKind; elements?: number[]; engine?: EngineOptions; onBase?: (elements: number[]) => void },
  opts: StoredN1Options & { target?: N1ClusterTarget },
): Promise<Omit<StoredN1Outcome, 'runId'>> {
  let outcome: N1Outcome;
  try {
    outcome = await runN1({
      caseText: req.caseText, fileName: req.fileName, mode: req.mode, kind: req.kind, elements: req.elements, engine: req.engine,
      workers: opts.workers, signal: opts.signal, onProgress: opts.onProgress, cluster: opts.target,
      onStart: (elements) => req.onBase?.(elements),
      onRecords: (batch) => { store.n1.appendRecords(runId(), opts.judge ? batch.map(opts.judge) : batch); },
    });
  } catch (e) {
    if (runId() >= 0) store.n1.finishRun(runId(), 'failed', undefined, e instanceof Error ? e.message : String(e));
    throw e;
  }
  const id = runId();
  const prior = store.n1.getRun(id)!;
  const complete = prior.done === prior.total;
  store.n1.finishRun(id, complete ? 'done' : 'cancelled', outcome.seconds + (opts.extraSeconds ?? 0));
  const records: JudgedRecord[] = store.n1.getRecords(id, { orderBy: 'element' });
  return { ...outcome, records, total: prior.total, computed: outcome.records.length, cancelled: !complete };
}
