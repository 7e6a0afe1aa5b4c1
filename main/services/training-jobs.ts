// Training the surrogate from the window: trainSurrogate as a queued job on
// the queue's share of worker threads, each epoch's figures pushed as it ends
// and kept in the job's view (a window opened late draws the whole chart),
// cancel after the current step with the checkpoint kept (train.ts saves it),
// resume from that checkpoint, and the case's training runs listed.

import type { ApiEvent, EpochView, TrainingJobView, TrainingRunInfo } from '../api';
import { ApiError } from '../api';
import type { RegrowRule } from '../core/learn/rewire';
import type { TopologyMethod } from '../core/learn/schedule';
import type { Store, TrainingRunSummary } from '../store';
import type { CaseCatalogue } from './case-catalogue';
import type { JobQueue } from './job-queue';
import { trainSurrogate } from './train';
import { epochOfRecord, epochOfStored } from './training-views';

export interface TrainingJobRequest {
  dataset?: number;
  method?: TopologyMethod;
  regrow?: RegrowRule;
  sparsity?: number;
  epochs?: number;
  resume?: number;
  hidden?: number;
  seed?: number;
  /** Epochs without a better validation score before training stops; 0 trains every epoch. */
  patience?: number;
  /** The insecure class's loss weight, or 'auto' (chosen on validation); unset: the class ratio. */
  posWeight?: number | 'auto';
}

/** trainSurrogate's default epoch budget (surrogateTrainerConfig). */
const DEFAULT_EPOCHS = 30;

type EpochEvent = Extract<ApiEvent, { type: 'epoch' }>;

export class TrainingJobs {
  private readonly listeners = new Set<(e: EpochEvent) => void>();
  /** Training run id -> the job of this process training it (while queued or running). */
  private readonly jobOfRun = new Map<number, number>();

  constructor(private readonly catalogue: CaseCatalogue, private readonly queue: JobQueue, private readonly store: Store | undefined) {}

  /** Calls `listener` with every epoch of every training job as it ends; returns the unsubscribe. */
  subscribe(listener: (e: EpochEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Queues training on a finished dataset of the case, or the resume of one of its runs; a bad request is refused now. */
  start(key: string, req: TrainingJobRequest): { jobId: number } {
    const store = this.requireStore();
    const c = this.catalogue.get(key);
    const plan = req.resume !== undefined ? this.resumePlan(key, store, req) : this.newPlan(key, store, req);
    const view: TrainingJobView = { runId: plan.runId, epochsPlanned: plan.epochs, epochs: plan.before, modelId: null, stopped: null };
    let jobId = 0;
    const what = req.resume !== undefined ? `resume of run ${req.resume}` : describe(req);
    jobId = this.queue.submit({
      kind: 'train',
      label: `${c.name} ${what}`,
      run: async (ctx) => {
        ctx.training(view);
        const t0 = performance.now();
        let firstStep: number | null = null;
        try {
          const out = await trainSurrogate({
            store, datasetId: plan.datasetId, resume: req.resume,
            ...(req.resume === undefined ? { method: req.method, regrow: req.regrow, sparsity: req.sparsity, epochs: req.epochs, hidden: req.hidden, seed: req.seed, patience: req.patience, posWeight: req.posWeight } : {}),
            workers: ctx.threads, signal: ctx.signal,
            onRun: (runId) => { view.runId = runId; this.jobOfRun.set(runId, jobId); },
            onBatch: (p) => {
              // Progress in optimiser steps over the whole budget (a resumed run starts part-way).
              const done = (p.epoch - 1) * p.batches + p.batch, total = plan.epochs * p.batches;
              firstStep ??= done - 1;
              const rate = (done - firstStep) / Math.max((performance.now() - t0) / 1000, 1e-9);
              ctx.progress({ done, total, rate, etaSeconds: rate > 0 ? (total - done) / rate : Infinity });
            },
            onEpoch: (r) => {
              const epoch = epochOfRecord(r);
              view.epochs = [...view.epochs, epoch];
              this.emit({ type: 'epoch', jobId, runId: view.runId!, epoch });
            },
          });
          Object.assign(view, { runId: out.runId, modelId: out.modelId, stopped: out.stopped });
          return {
            status: out.cancelled ? 'cancelled' : 'done', training: { ...view },
            keptAs: out.cancelled ? `training run ${out.runId} keeps its checkpoint (resume it)` : `model ${out.modelId} is in the store`,
          };
        } finally {
          if (view.runId !== null) this.jobOfRun.delete(view.runId);
        }
      },
    });
    if (plan.runId !== null) this.jobOfRun.set(plan.runId, jobId);
    return { jobId };
  }

  /** The case's training runs, newest first; a run whose process died shows 'interrupted'. */
  runs(key: string): TrainingRunInfo[] {
    this.catalogue.get(key);
    const caseId = this.catalogue.storedId(key);
    if (!this.store || caseId === null) return [];
    const ofCase = new Set(this.store.datasets.list({ caseId }).map((d) => d.id));
    return this.store.training.list().filter((r) => r.datasetId !== null && ofCase.has(r.datasetId)).reverse().map((r) => runInfo(r, this.liveJob(r.id)));
  }

  /** The job training a run now (queued or running); a job cancelled while queued never ran, so its entry goes here. */
  private liveJob(runId: number): number | null {
    const jobId = this.jobOfRun.get(runId);
    if (jobId === undefined) return null;
    try {
      if (['queued', 'running'].includes(this.queue.view(jobId).status)) return jobId;
    } catch { /* forgotten */ }
    this.jobOfRun.delete(runId);
    return null;
  }

  private newPlan(key: string, store: Store, req: TrainingJobRequest): Plan {
    if (req.dataset === undefined) throw new ApiError("field 'dataset': which dataset? give the id of one of the case's datasets", 'dataset');
    const d = store.datasets.get(req.dataset);
    if (!d) throw new ApiError(`field 'dataset': there is no dataset ${req.dataset} in the store`, 'dataset');
    this.checkCase(key, d.caseId, `dataset ${d.id}`, 'dataset');
    if (d.status !== 'done') throw new ApiError(`field 'dataset': dataset ${d.id} was not finished (its build was cancelled or killed); build it again`, 'dataset');
    return { datasetId: d.id, runId: null, epochs: req.epochs ?? DEFAULT_EPOCHS, before: [] };
  }

  /** A resume continues the run with its own settings; the epochs up to its checkpoint are drawn at once. */
  private resumePlan(key: string, store: Store, req: TrainingJobRequest): Plan {
    const id = req.resume!;
    for (const f of ['method', 'regrow', 'sparsity', 'epochs', 'hidden', 'seed'] as const) {
      if (req[f] !== undefined) throw new ApiError(`field '${f}': a resume continues training run ${id} with its own settings; leave '${f}' out`, f);
    }
    const run = store.training.get(id);
    if (!run) throw new ApiError(`field 'resume': there is no training run ${id} in the store`, 'resume');
    if (run.datasetId === null) throw new ApiError(`field 'resume': training run ${id} lost its dataset (its case was deleted)`, 'resume');
    const d = store.datasets.get(run.datasetId)!;
    this.checkCase(key, d.caseId, `training run ${id}`, 'resume');
    if (req.dataset !== undefined && req.dataset !== run.datasetId) throw new ApiError(`field 'dataset': training run ${id} trains dataset ${run.datasetId}, not ${req.dataset}`, 'dataset');
    if (run.status === 'done') throw new ApiError(`field 'resume': training run ${id} is done; nothing to resume`, 'resume');
    const live = this.liveJob(id);
    if (live !== null) throw new ApiError(`field 'resume': training run ${id} is being trained now (job ${live})`, 'resume');
    const kept = run.checkpointEpoch ?? 0;
    const before = store.training.getEpochs(id).filter((e) => e.epoch <= kept).map(epochOfStored);
    return { datasetId: run.datasetId, runId: id, epochs: run.epochs, before };
  }

  /** Refuses what belongs to another case's grid. */
  private checkCase(key: string, caseId: number, what: string, field: string): void {
    const own = this.catalogue.storedId(key);
    if (own === caseId) return;
    const other = this.requireStore().cases.get(caseId)?.name ?? `case ${caseId}`;
    throw new ApiError(`field '${field}': ${what} belongs to ${other}, not to ${this.catalogue.get(key).name}`, field);
  }

  private emit(e: EpochEvent): void {
    for (const l of this.listeners) {
      try { l(e); } catch { /* a listener's failure is its own */ }
    }
  }

  private requireStore(): Store {
    if (!this.store) throw new ApiError('training needs a database (the app runs without one)');
    return this.store;
  }
}

interface Plan {
  datasetId: number;
  runId: number | null;
  epochs: number;
  before: EpochView[];
}

function describe(req: TrainingJobRequest): string {
  const method = req.method ?? 'adaptive';
  if (method === 'dense') return 'dense';
  return `${method}${req.regrow && method !== 'static' ? `+${req.regrow}` : ''} ${Math.round((req.sparsity ?? 0.9) * 100)}%`;
}

function runInfo(r: TrainingRunSummary, jobId: number | null): TrainingRunInfo {
  const cfg = r.config as { method?: unknown; regrow?: unknown; sparsity?: unknown };
  return {
    runId: r.id, datasetId: r.datasetId, status: r.stale ? 'interrupted' : r.status,
    method: typeof cfg.method === 'string' ? cfg.method : null, regrow: typeof cfg.regrow === 'string' ? cfg.regrow : null,
    sparsity: typeof cfg.sparsity === 'number' ? cfg.sparsity : null,
    epochs: r.epochs, epochsDone: r.epochsDone, checkpointEpoch: r.checkpointEpoch, startedAt: r.startedAt, jobId, error: r.error,
  };
}
