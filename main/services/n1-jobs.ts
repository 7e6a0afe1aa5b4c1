// N-1 runs of the app's cases as queued jobs: each run is stored as it goes
// (with a store), and its view ends with the ranked verdicts.

import type { N1RunInfo, N1Summary, ScreenView } from '../api';
import { ApiError } from '../api';
import { signatureMismatch } from '../core/grid/features';
import { compile } from '../core/grid/network';
import { readSurrogate } from './surrogate-config';
import { runScreen } from './screen';
import { VERDICTS, type Verdict } from '../core/grid/contingency-types';
import { defaultWorkers } from '../jobs/pool';
import type { CaseCatalogue } from './case-catalogue';
import { contingencyView } from './contingency-view';
import type { JobContext, JobOutcome, JobQueue, JobSpec } from './job-queue';
import { rankRecords, runN1, type N1Outcome } from './n1';
import { runStoredN1 } from './n1-stored';
import type { ScreenRunConfig } from '../store';
import { randomUUID } from 'node:crypto';

/** How an N-1 job runs: a verified screen's model and band, and whether its outages go to the cluster. */
export interface N1JobOptions {
  model?: number;
  band?: number;
  cluster?: boolean;
}

export class N1Jobs {
  /** `cluster`: the Redis URL runs may be sent to (null: this machine only). */
  constructor(private readonly catalogue: CaseCatalogue, private readonly queue: JobQueue, private readonly cluster: string | null = null) {}

  /**
   * Queues an N-1 run of every in-service branch (a verified screen with a
   * model of the case's grid); `cluster` sends the outages it solves exactly
   * to the cluster's workers.
   */
  start(key: string, mode: 'ac' | 'dc' | 'screen' = 'ac', opts: N1JobOptions = {}): { jobId: number } {
    return { jobId: this.queue.submit(this.spec(key, mode, opts)) };
  }

  /** The job of one N-1 run; an unknown case, a screen's missing or foreign model, or a cluster that is not configured is refused now, not when the job starts. */
  spec(key: string, mode: 'ac' | 'dc' | 'screen' = 'ac', opts: N1JobOptions = {}): JobSpec {
    const c = this.catalogue.get(key);
    if (opts.cluster && !this.cluster) throw new ApiError('no cluster is configured: start the app with GRIDREWIRE_REDIS=redis://host:port', 'cluster');
    const onCluster = !!opts.cluster;
    const where = onCluster ? ' on the cluster' : '';
    if (mode !== 'screen') return { kind: 'n1', label: `${c.name} ${mode.toUpperCase()}${where}`, run: (ctx) => this.run(key, mode, ctx, onCluster) };
    const modelId = this.screenModel(key, opts.model);
    return { kind: 'n1', label: `${c.name} screen (model ${modelId})${where}`, run: (ctx) => this.runScreen(key, modelId, opts.band, ctx, onCluster) };
  }

  /** The screen's model: given, stored, a surrogate of the case's grid. */
  private screenModel(key: string, model: number | undefined): number {
    const store = this.catalogue.store;
    if (!store) throw new ApiError('a verified screen needs a database (the app runs without one)');
    if (model === undefined) throw new ApiError("field 'model': a verified screen needs a model of the case's grid", 'model');
    const m = store.models.get(model);
    if (!m) throw new ApiError(`field 'model': there is no model ${model} in the store`, 'model');
    const read = readSurrogate(m);
    if (read.status !== 'usable') throw new ApiError(`field 'model': model ${model} ${read.problem}`, 'model');
    const c = this.catalogue.get(key);
    const why = signatureMismatch(read.config.grid, compile(c));
    if (why !== null) throw new ApiError(`field 'model': model ${model} is a model of ${read.config.grid.caseName}, not of ${c.name} (${why})`, 'model');
    return model;
  }

  /** The case's stored N-1 runs (branch outages), newest first. */
  storedRuns(key: string): N1RunInfo[] {
    const store = this.catalogue.store, id = this.catalogue.storedId(key);
    if (!store || id === null) return [];
    return store.n1.listRuns({ caseId: id }).filter((r) => r.kind === 'branch').reverse().map((r) => ({
      runId: r.id, mode: r.mode, status: r.stale ? 'interrupted' : r.status, done: r.done, total: r.total, counts: r.counts,
      startedAt: r.startedAt, seconds: r.seconds,
    }));
  }

  /** A stored run's ranked records, as a finished job shows them. */
  storedRun(runId: number): N1Summary {
    const store = this.catalogue.store;
    const run = store?.n1.getRun(runId);
    if (!store || !run) throw new ApiError(`no N-1 run ${runId} in the store`, 'runId');
    if (run.kind !== 'branch') throw new ApiError(`N-1 run ${runId} is of generator outages; the window shows branch outages`, 'runId');
    const records = store.n1.getRecords(runId, { orderBy: 'severity' });
    return {
      caseName: run.caseName, mode: run.mode, seconds: run.seconds ?? 0, runId, total: run.total, counts: { ...run.counts },
      base: null, records: records.map(contingencyView), screen: run.config.screen ? screenView(run.config.screen) : null,
    };
  }

  private async run(key: string, mode: 'ac' | 'dc', ctx: JobContext, onCluster: boolean): Promise<JobOutcome> {
    const req = { caseText: this.catalogue.text(key), fileName: this.catalogue.fileName(key), mode, kind: 'branch' as const };
    // With the whole machine, runN1 decides (small cases stay in this thread); with less, it gets its share.
    const workers = ctx.threads >= defaultWorkers() ? undefined : ctx.threads;
    const cluster = onCluster && this.cluster ? { url: this.cluster } : undefined;
    const opts = { workers: cluster ? undefined : workers, signal: ctx.signal, onProgress: ctx.progress };
    const store = this.catalogue.store;
    const res: N1Outcome & { runId?: number } = store
      ? await runStoredN1(store, req, { ...opts, cluster })
      : await runN1({ ...req, ...opts, cluster: cluster && { ...cluster, runKey: randomUUID() } });
    return {
      status: res.cancelled ? 'cancelled' : 'done',
      result: n1Summary(res),
      keptAs: res.runId !== undefined ? `its results are N-1 run ${res.runId} in the store` : undefined,
    };
  }

  private async runScreen(key: string, modelId: number, band: number | undefined, ctx: JobContext, onCluster: boolean): Promise<JobOutcome> {
    const workers = ctx.threads >= defaultWorkers() ? undefined : ctx.threads;
    const cluster = onCluster && this.cluster ? { url: this.cluster } : undefined;
    const res = await runScreen(this.catalogue.store!, {
      caseText: this.catalogue.text(key), fileName: this.catalogue.fileName(key), modelId, band, workers: cluster ? undefined : workers, cluster, signal: ctx.signal, onProgress: ctx.progress,
    });
    return {
      status: res.cancelled ? 'cancelled' : 'done',
      result: { ...n1Summary(res), mode: 'screen', seconds: res.timing.total, screen: screenView(res.screen) },
      keptAs: `its results are N-1 run ${res.runId} in the store`,
    };
  }
}

function screenView(s: ScreenRunConfig): ScreenView {
  return { modelId: s.modelId, threshold: s.threshold, band: s.band, exact: s.exact, surrogate: s.surrogate, topology: s.topology ?? 0, why: s.why ?? null };
}

function n1Summary(res: N1Outcome & { runId?: number }): N1Summary {
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const r of res.records) counts[r.verdict]++;
  return {
    caseName: res.caseName, mode: res.mode, seconds: res.seconds, runId: res.runId ?? null, total: res.total, counts,
    base: { maxLoading: res.base.maxLoading, nOverloads: res.base.nOverloads, nVoltageViolations: res.base.nVoltageViolations },
    records: rankRecords(res.records).map(contingencyView),
  };
}
