// Run N-1: validate the request, solve the base case, then every outage in
// this thread (small cases) or on a worker pool (large ones), streaming
// records and progress; cancel keeps what finished.

import type { Case } from '../core/grid/case';
import { locateNetworkError, parseMatpower } from '../core/grid/matpower';
import { ContingencyError, type EngineOptions } from '../core/grid/contingency';
import type { ContingencyKind, ContingencyRecord } from '../core/grid/contingency-types';
import { runPool, defaultWorkers, JobCancelled } from '../jobs/pool';
import { openN1, type N1Base, type N1Init, type N1Mode, type N1Study } from '../jobs/n1-job';
import { runOnCluster, type ClusterChunk, type ClusterStatus } from '../jobs/cluster/coordinator';
import { parseRedisUrl, probeRedis } from '../jobs/cluster/redis-url';

export interface N1Progress {
  done: number;
  total: number;
  /** Contingencies per second so far. */
  rate: number;
  /** Seconds left at that rate. */
  etaSeconds: number;
}

export interface N1Request {
  caseText: string;
  fileName: string;
  mode?: 'ac' | 'dc';
  kind?: ContingencyKind;
  /** 1-based case rows; default every in-service element. */
  elements?: number[];
  /** Worker threads; 0 or 1 = this thread; default: all cores for large cases. */
  workers?: number;
  engine?: EngineOptions;
  signal?: AbortSignal;
  onProgress?: (p: N1Progress) => void;
  /** Called with each batch of finished records, in completion order; `how` is 'topology' for those decided by topology alone. */
  onRecords?: (records: ContingencyRecord[], how: DecidedBy) => void;
  /**
   * AC branch outages that island load or generation are decided by topology
   * (the spec's `islanded` comes first) and not solved: their records carry
   * no flows. A verified screen asks for this; a full run does not.
   */
  islandedByTopology?: boolean;
  /** Called once the base case is solved and the element list checked, before any outage. */
  onStart?: (elements: number[]) => void;
  /** Solve the outages on a cluster's workers (BullMQ on Redis) instead of this machine's threads. */
  cluster?: N1ClusterTarget;
  /** The case already parsed and its study opened (its base case solved) from the same text: not done again in this thread. */
  prepared?: { case: Case; study: N1Study };
}

/** How a record was obtained: solved by the engine, or decided by topology alone. */
export type DecidedBy = 'solved' | 'topology';

export interface N1ClusterTarget {
  /** redis:// or rediss:// */
  url: string;
  /** Names the run's chunks in the queue (with their place in `plan`): the same key and plan give the same job ids. */
  runKey: string;
  /** Outages per chunk (default clusterChunkSize of the plan). */
  chunk?: number;
  /**
   * The run's whole element list, which chunks are cut from (default: the
   * elements of this request). A resumed run passes its full list and asks
   * for the missing elements only: a chunk keeps its id across sessions, so
   * one still queued or already done is taken instead of computed again.
   */
  plan?: number[];
  onStatus?: (s: ClusterStatus) => void;
}

/**
 * Outages per cluster chunk: hundreds, so that a chunk's queue round trip
 * (milliseconds) stays well below its compute, and at least 8 chunks a run.
 */
export function clusterChunkSize(total: number): number {
  return Math.max(1, Math.min(500, Math.max(100, Math.ceil(total / 32)), Math.ceil(total / 8)));
}

export interface N1Outcome {
  caseName: string;
  mode: 'ac' | 'dc';
  kind: ContingencyKind;
  records: ContingencyRecord[];
  total: number;
  seconds: number;
  cancelled: boolean;
  /** Threads of this machine used (0 when the outages ran on a cluster). */
  workers: number;
  base: N1Base;
  /** Wall seconds of the set-up in this thread (parse, base case, element checks), before any outage; part of `seconds`. */
  setupSeconds: number;
}

/** Work below this (contingencies x buses) runs in this thread: starting workers costs more. */
const POOL_THRESHOLD = 400_000;

export async function runN1(req: N1Request): Promise<N1Outcome> {
  const t0 = performance.now();
  const mode = req.mode ?? 'ac', kind = req.kind ?? 'branch';
  const c = req.prepared?.case ?? parseMatpower(req.caseText, req.fileName);
  const study = req.prepared?.study ?? openStudy(req, c, mode, kind);
  const elements = req.elements ?? study.defaults;
  validateElements(c.name, kind, elements, kind === 'branch' ? study.net.branchOfRow : study.net.genOfRow);
  // A Redis that is not there is said before any run is recorded.
  if (req.cluster) await probeRedis(parseRedisUrl(req.cluster.url));
  const setupSeconds = (performance.now() - t0) / 1000;
  req.onStart?.(elements);

  const out = new N1Collector(req, elements.length, t0);
  const toSolve = req.islandedByTopology ? decideByTopology(study, elements, out) : elements;
  const init: N1Init = { caseText: req.caseText, fileName: req.fileName, mode, kind, engine: req.engine };
  const workers = req.cluster ? 0 : workersFor(req, toSolve.length, study.net.nb, mode);
  const cancelled = req.cluster
    ? await solveOnCluster(init, toSolve, req.cluster, out, req.signal)
    : workers <= 1
      ? await solveHere(study, toSolve, out, req.signal)
      : await solveOnPool(init, toSolve, workers, out, req.signal);
  return { caseName: c.name, mode, kind, records: out.records, total: elements.length, seconds: (performance.now() - t0) / 1000, cancelled, workers, base: study.base, setupSeconds };
}

/** The case ready for its outages; an error about a case row names its file:line. */
function openStudy(req: N1Request, c: ReturnType<typeof parseMatpower>, mode: N1Mode, kind: ContingencyKind): N1Study {
  try {
    return openN1(c, mode, kind, req.engine);
  } catch (e) {
    throw locateNetworkError(e, req.caseText, req.fileName);
  }
}

/** Records as they finish, with the caller's streaming and progress callbacks. */
class N1Collector {
  readonly records: ContingencyRecord[] = [];

  constructor(private readonly req: Pick<N1Request, 'onRecords' | 'onProgress'>, private readonly total: number, private readonly t0: number) {}

  add(batch: ContingencyRecord[], how: DecidedBy = 'solved'): void {
    if (batch.length === 0) return;
    this.records.push(...batch);
    this.req.onRecords?.(batch, how);
    if (this.req.onProgress) {
      const done = this.records.length, s = (performance.now() - this.t0) / 1000;
      const rate = done / Math.max(s, 1e-9);
      this.req.onProgress({ done, total: this.total, rate, etaSeconds: rate > 0 ? (this.total - done) / rate : Infinity });
    }
  }
}

/** Records the outages topology decides (one batch); returns the rest, which must be solved. */
function decideByTopology(study: N1Study, elements: number[], out: N1Collector): number[] {
  if (!study.byTopology) return elements;
  const decided: ContingencyRecord[] = [], rest: number[] = [];
  for (const row of elements) {
    const r = study.byTopology(row);
    if (r) decided.push(r);
    else rest.push(row);
  }
  out.add(decided, 'topology');
  return rest;
}

/** Threads to use: as asked, else all cores when the work is large enough; never more than the outages. */
function workersFor(req: N1Request, total: number, nb: number, mode: N1Mode): number {
  const workers = req.workers ?? (total * nb * (mode === 'dc' ? 0.1 : 1) >= POOL_THRESHOLD ? defaultWorkers() : 1);
  return Math.max(1, Math.min(workers, total));
}

/** Every outage in this thread, in batches; returns whether it was cancelled. */
async function solveHere(study: N1Study, elements: number[], out: N1Collector, signal?: AbortSignal): Promise<boolean> {
  const batch = Math.max(1, Math.min(256, Math.ceil(elements.length / 50)));
  for (let i = 0; i < elements.length; i += batch) {
    if (signal?.aborted) return true;
    out.add(elements.slice(i, i + batch).map(study.solve));
    // Yield so that progress can be drawn and a cancel can arrive.
    if (signal) await new Promise<void>((r) => setImmediate(r));
  }
  return false;
}

/** Every outage on `workers` threads, each set up once from init; returns whether it was cancelled. */
async function solveOnPool(init: N1Init, elements: number[], workers: number, out: N1Collector, signal?: AbortSignal): Promise<boolean> {
  const size = Math.max(1, Math.min(64, Math.ceil(elements.length / (workers * 16))));
  const chunks: number[][] = [];
  for (let i = 0; i < elements.length; i += size) chunks.push(elements.slice(i, i + size));
  try {
    await runPool({ job: 'n1', init, chunks, workers, signal, onResult: (records) => out.add(records) });
    return false;
  } catch (e) {
    if (e instanceof JobCancelled) return true;
    throw e;
  }
}

/** Every outage on a cluster's workers, in chunks cut from the run's plan; returns whether it was cancelled. */
async function solveOnCluster(init: N1Init, elements: number[], target: N1ClusterTarget, out: N1Collector, signal?: AbortSignal): Promise<boolean> {
  const plan = target.plan ?? elements;
  const want = new Set(elements);
  const size = target.chunk ?? clusterChunkSize(plan.length);
  const chunks: ClusterChunk<'n1'>[] = [];
  for (let i = 0; i < plan.length; i += size) {
    const rows = plan.slice(i, i + size).filter((r) => want.has(r));
    if (rows.length) chunks.push({ place: `${i}-${Math.min(i + size, plan.length) - 1}`, chunk: rows });
  }
  try {
    await runOnCluster({
      url: target.url, job: 'n1', init, runKey: target.runKey, chunks, signal, onStatus: target.onStatus,
      // A chunk queued by an earlier session may hold rows stored since: only the asked-for ones count.
      onResult: (records) => {
        const mine = records.filter((r) => want.delete((init.kind === 'branch' ? r.branch : r.gen)!));
        if (mine.length) out.add(mine);
      },
    });
    return false;
  } catch (e) {
    if (e instanceof JobCancelled) return true;
    throw e;
  }
}

function validateElements(caseName: string, kind: ContingencyKind, elements: number[], ofRow: Int32Array): void {
  const what = kind === 'branch' ? 'branch' : 'generator';
  const seen = new Set<number>();
  for (const e of elements) {
    if (!Number.isInteger(e) || e < 1 || e > ofRow.length) {
      throw new ContingencyError(`${what} ${e} does not exist in ${caseName}: it has ${ofRow.length} ${what === 'branch' ? 'branches' : 'generators'} (rows 1-${ofRow.length})`);
    }
    if (ofRow[e - 1] < 0) throw new ContingencyError(`${what} ${e} of ${caseName} is out of service: it cannot be taken out`);
    if (seen.has(e)) throw new ContingencyError(`${what} ${e} is listed twice`);
    seen.add(e);
  }
}

/** Worst first: severity, then element row. */
export function rankRecords<R extends ContingencyRecord>(records: R[]): R[] {
  return [...records].sort((a, b) => b.severity - a.severity || (a.branch ?? a.gen ?? 0) - (b.branch ?? b.gen ?? 0));
}
