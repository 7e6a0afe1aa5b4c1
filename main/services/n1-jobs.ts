// N-1 runs of the app's cases as queued jobs: each run is stored as it goes
// (with a store), and its view ends with the ranked verdicts.

import type { N1RunInfo, N1Summary } from '../api';
import { ApiError } from '../api';
import { VERDICTS, type Verdict } from '../core/grid/contingency-types';
import { defaultWorkers } from '../jobs/pool';
import type { CaseCatalogue } from './case-catalogue';
import { contingencyView } from './contingency-view';
import type { JobContext, JobOutcome, JobQueue, JobSpec } from './job-queue';
import { rankRecords, runN1, type N1Outcome } from './n1';
import { runStoredN1 } from './n1-stored';
import { randomUUID } from 'node:crypto';

export class N1Jobs {
  /** `cluster`: the Redis URL runs may be sent to (null: this machine only). */
  constructor(private readonly catalogue: CaseCatalogue, private readonly queue: JobQueue, private readonly cluster: string | null = null) {}

  /** Queues an N-1 run of every in-service branch; `onCluster` sends its outages to the cluster's workers. */
  start(key: string, mode: 'ac' | 'dc' = 'ac', onCluster = false): { jobId: number } {
    return { jobId: this.queue.submit(this.spec(key, mode, onCluster)) };
  }

  /** The job of one N-1 run; an unknown case (or a cluster that is not configured) is refused now, not when the job starts. */
  spec(key: string, mode: 'ac' | 'dc' = 'ac', onCluster = false): JobSpec {
    const c = this.catalogue.get(key);
    if (onCluster && !this.cluster) throw new ApiError('no cluster is configured: start the app with GRIDREWIRE_REDIS=redis://host:port', 'cluster');
    return { kind: 'n1', label: `${c.name} ${mode.toUpperCase()}${onCluster ? ' on the cluster' : ''}`, run: (ctx) => this.run(key, mode, ctx, onCluster) };
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
      base: null, records: records.map(contingencyView),
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
