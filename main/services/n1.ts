// Run N-1: validate the request, solve the base case, then every outage in
// this thread (small cases) or on a worker pool (large ones), streaming
// records and progress; cancel keeps what finished.

import { parseMatpower } from '../core/grid/matpower';
import { N1Engine, ContingencyError, type EngineOptions } from '../core/grid/contingency';
import { DcScreen } from '../core/grid/lodf';
import { compile } from '../core/grid/network';
import type { ContingencyKind, ContingencyRecord } from '../core/grid/contingency-types';
import { runPool, defaultWorkers, JobCancelled } from '../jobs/pool';
import type { N1Init } from '../jobs/n1-job';

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
  /** Called with each batch of finished records, in completion order. */
  onRecords?: (records: ContingencyRecord[]) => void;
  /** Called once the base case is solved and the element list checked, before any outage. */
  onStart?: (elements: number[]) => void;
}

export interface N1Outcome {
  caseName: string;
  mode: 'ac' | 'dc';
  kind: ContingencyKind;
  records: ContingencyRecord[];
  total: number;
  seconds: number;
  cancelled: boolean;
  workers: number;
  base: { iterations: number; mismatch: number; maxLoading: number; nOverloads: number; nVoltageViolations: number };
}

/** Work below this (contingencies x buses) runs in this thread: starting workers costs more. */
const POOL_THRESHOLD = 400_000;

export async function runN1(req: N1Request): Promise<N1Outcome> {
  const t0 = performance.now();
  const mode = req.mode ?? 'ac', kind = req.kind ?? 'branch';
  const c = parseMatpower(req.caseText, req.fileName);
  let engine: N1Engine | null = null;
  let screen: DcScreen | null = null;
  let base: N1Outcome['base'];
  let defaults: number[];
  if (mode === 'ac') {
    engine = N1Engine.forCase(c, req.engine);
    base = { iterations: engine.base.iterations, mismatch: engine.base.mismatch, maxLoading: engine.base.maxLoading, nOverloads: engine.base.nOverloads, nVoltageViolations: engine.base.nVoltageViolations };
    defaults = kind === 'branch' ? engine.defaultBranches() : engine.defaultGens();
  } else {
    if (kind !== 'branch') throw new ContingencyError('DC screening covers branch outages only; use --mode ac for generator outages');
    screen = new DcScreen(compile(c));
    let ml = 0, no = 0;
    for (const L of screen.loading0) { if (L > ml) ml = L; if (L > 1 + 1e-9) no++; }
    base = { iterations: 0, mismatch: 0, maxLoading: ml, nOverloads: no, nVoltageViolations: 0 };
    defaults = Array.from(screen.net.branchRow, (r) => r + 1);
  }
  const elements = req.elements ?? defaults;
  validateElements(c.name, kind, elements, kind === 'branch' ? (engine?.net ?? screen!.net).branchOfRow : (engine?.net ?? screen!.net).genOfRow);

  req.onStart?.(elements);
  const total = elements.length;
  const records: ContingencyRecord[] = [];
  let done = 0;
  const report = (batch: ContingencyRecord[]) => {
    records.push(...batch);
    done += batch.length;
    req.onRecords?.(batch);
    if (req.onProgress) {
      const s = (performance.now() - t0) / 1000;
      const rate = done / Math.max(s, 1e-9);
      req.onProgress({ done, total, rate, etaSeconds: rate > 0 ? (total - done) / rate : Infinity });
    }
  };
  const nb = (engine?.net ?? screen!.net).nb;
  let workers = req.workers ?? (total * nb * (mode === 'dc' ? 0.1 : 1) >= POOL_THRESHOLD ? defaultWorkers() : 1);
  workers = Math.max(1, Math.min(workers, total));
  let cancelled = false;
  if (workers <= 1) {
    const solve = engine
      ? (kind === 'branch' ? (r: number) => engine!.branchOutage(r) : (r: number) => engine!.genOutage(r))
      : (() => { const fl = new Float64Array(screen!.net.nl); return (r: number) => screen!.branchOutage(r, fl); })();
    const batch = Math.max(1, Math.min(256, Math.ceil(total / 50)));
    for (let i = 0; i < total; i += batch) {
      if (req.signal?.aborted) { cancelled = true; break; }
      report(elements.slice(i, i + batch).map(solve));
      // Yield so that progress can be drawn and a cancel can arrive.
      if (req.signal) await new Promise<void>((r) => setImmediate(r));
    }
  } else {
    const size = Math.max(1, Math.min(64, Math.ceil(total / (workers * 16))));
    const chunks: number[][] = [];
    for (let i = 0; i < total; i += size) chunks.push(elements.slice(i, i + size));
    const init: N1Init = { caseText: req.caseText, fileName: req.fileName, mode, kind, engine: req.engine };
    try {
      await runPool<N1Init, number[], ContingencyRecord[]>({ job: 'n1', init, chunks, workers, signal: req.signal, onResult: (r) => report(r) });
    } catch (e) {
      if (!(e instanceof JobCancelled)) throw e;
      cancelled = true;
    }
  }
  return { caseName: c.name, mode, kind, records, total, seconds: (performance.now() - t0) / 1000, cancelled, workers, base };
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
export function rankRecords(records: ContingencyRecord[]): ContingencyRecord[] {
  return [...records].sort((a, b) => b.severity - a.severity || (a.branch ?? a.gen ?? 0) - (b.branch ?? b.gen ?? 0));
}
