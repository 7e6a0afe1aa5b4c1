// N-1 runs that live in the store: every finished batch is committed as it
// arrives, so a run that is cancelled, crashes or is killed keeps what it
// finished and resumes computing only what is missing.

import { StoreError, type ScreenRunConfig, type Store } from '../store';
import type { ContingencyKind, ContingencyRecord, JudgedRecord } from '../core/grid/contingency-types';
import type { EngineOptions } from '../core/grid/contingency';
import { parseMatpower } from '../core/grid/matpower';
import { randomUUID } from 'node:crypto';
import { clusterChunkSize, runN1, type N1ClusterTarget, type N1Outcome, type N1Progress, type N1Request } from './n1';

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
  /** Wall seconds spent creating the run, writing records, finishing it and reading it back. */
  storeSeconds: number;
  /** Wall seconds of the outages themselves: the engine's run without its set-up and the store writes in it. */
  solveSeconds: number;
}

export async function runStoredN1(
  store: Store,
  req: { caseText: string; fileName: string; mode: 'ac' | 'dc'; kind: ContingencyKind; elements?: number[]; engine?: EngineOptions; screen?: StoredScreen; prepared?: N1Request['prepared'] },
  opts: StoredN1Options = {},
): Promise<StoredN1Outcome> {
  const parsed = req.prepared?.case ?? parseMatpower(req.caseText, req.fileName);
  const { id: caseId } = store.cases.import({ text: req.caseText, parsed, sourceFile: req.fileName });
  let runId = -1;
  // A cluster run keeps its queue key and chunk size, so that a resumed session's chunks keep their ids.
  const cluster = opts.cluster ? { key: randomUUID(), chunk: opts.cluster.chunk ?? 0 } : undefined;
  const target: N1ClusterTarget | undefined = opts.cluster && cluster ? { ...opts.cluster, runKey: cluster.key } : undefined;
  const out = await execute(store, () => runId, {
    ...req,
    // A screen decides islanded outages by topology; a full run solves their main island.
    islandedByTopology: req.screen !== undefined,
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
    elements: missing, engine: run.config.options as EngineOptions, islandedByTopology: run.config.mode === 'screen',
  }, { ...opts, target });
  return { ...out, runId };
}

/** A record decided by topology alone: no surrogate score, nothing solved. */
const byTopology = (r: ContingencyRecord): JudgedRecord => ({ ...r, judgedBy: 'topology', probability: null });

/**
 * Records on their way into the store, written in one transaction at most
 * every FLUSH_MS (or FLUSH_RECORDS records): a transaction per engine batch
 * (a handful of outages on a small case) cost the store more than the
 * solves. A crash loses at most the last FLUSH_MS of work, which a resume
 * computes again.
 */
const FLUSH_MS = 100, FLUSH_RECORDS = 512;

class RecordWriter {
  private pending: JudgedRecord[] = [];
  private last = performance.now();
  /** Wall milliseconds spent in the store. */
  ms = 0;

  constructor(private readonly store: Store, private readonly runId: () => number) {}

  add(records: readonly JudgedRecord[] | readonly ContingencyRecord[]): void {
    for (const r of records) this.pending.push(r as JudgedRecord);
    if (this.pending.length >= FLUSH_RECORDS || performance.now() - this.last >= FLUSH_MS) this.flush();
  }

  flush(): void {
    const t = performance.now();
    if (this.pending.length) this.store.n1.appendRecords(this.runId(), this.pending);
    this.pending = [];
    this.last = performance.now();
    this.ms += this.last - t;
  }
}

async function execute(
  store: Store, runId: () => number,
  req: {
    caseText: string; fileName: string; mode: 'ac' | 'dc'; kind: ContingencyKind; elements?: number[]; engine?: EngineOptions; islandedByTopology?: boolean;
    prepared?: N1Request['prepared']; onBase?: (elements: number[]) => void;
  },
  opts: StoredN1Options & { target?: N1ClusterTarget },
): Promise<Omit<StoredN1Outcome, 'runId'>> {
  let outcome: N1Outcome;
  const writer = new RecordWriter(store, runId);
  let inRun = 0;
  try {
    outcome = await runN1({
      caseText: req.caseText, fileName: req.fileName, mode: req.mode, kind: req.kind, elements: req.elements, engine: req.engine, prepared: req.prepared,
      workers: opts.workers, signal: opts.signal, onProgress: opts.onProgress, cluster: opts.target, islandedByTopology: req.islandedByTopology,
      onStart: (elements) => { const t = performance.now(); req.onBase?.(elements); writer.ms += performance.now() - t; },
      onRecords: (batch, how) => writer.add(how === 'topology' ? batch.map(byTopology) : opts.judge ? batch.map(opts.judge) : batch),
    });
    inRun = writer.ms;
    writer.flush();
  } catch (e) {
    if (runId() >= 0) {
      // What finished is kept; a store that failed itself is not tried twice.
      if (!(e instanceof StoreError)) writer.flush();
      store.n1.finishRun(runId(), 'failed', undefined, e instanceof Error ? e.message : String(e));
    }
    throw e;
  }
  const duringRun = inRun;
  let storeMs = writer.ms;
  const t = performance.now();
  const id = runId();
  const prior = store.n1.getRun(id)!;
  const complete = prior.done === prior.total;
  store.n1.finishRun(id, complete ? 'done' : 'cancelled', outcome.seconds + (opts.extraSeconds ?? 0));
  const records: JudgedRecord[] = store.n1.getRecords(id, { orderBy: 'element' });
  storeMs += performance.now() - t;
  return { ...outcome, records, total: prior.total, computed: outcome.records.length, cancelled: !complete, storeSeconds: storeMs / 1000,
    solveSeconds: Math.max(0, outcome.seconds - outcome.setupSeconds - duringRun / 1000),
  };
}
