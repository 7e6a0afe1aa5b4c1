// Heavy jobs (N-1 runs, fidelity studies, datasets, training) run through one
// queue: at most `slots` at once, their worker threads together at most
// `threads`, the rest waiting first come, first served. A running job is
// given its share of the threads when it starts; a share is never taken
// back. Finished jobs are forgotten after `retentionMs` (their results stay
// in the store), so a long-running app does not keep every result in memory.

import type { DatasetBuildView, FidelityStudy, JobEventView, JobStatus, JobView, N1Summary, TrainingJobView } from '../api';
import { ApiError } from '../api';
import { LruCache } from './lru';
import { defaultWorkers } from '../jobs/pool';

export interface JobProgress {
  done: number;
  total: number;
  /** Items per second so far. */
  rate: number;
  /** Seconds left at that rate (Infinity when unknown). */
  etaSeconds: number;
}

export interface JobContext {
  signal: AbortSignal;
  /** Worker threads this job may use (1: none, run in this thread). */
  threads: number;
  progress(p: JobProgress): void;
  /** Keeps what a training job has so far in its view (read with `view`; not pushed). */
  training(t: TrainingJobView): void;
}

export interface JobOutcome {
  status: 'done' | 'cancelled';
  result?: N1Summary;
  fidelity?: FidelityStudy;
  dataset?: DatasetBuildView;
  training?: TrainingJobView;
  /** Where the result is kept once the job is forgotten, e.g. 'N-1 run 12 is in the store'. */
  keptAs?: string;
}

export interface JobSpec {
  kind: JobView['kind'];
  /** What the job works on, e.g. 'case30 AC'. */
  label: string;
  run(ctx: JobContext): Promise<JobOutcome>;
}

export interface JobQueueOptions {
  /** Jobs running at once (default: the core count). */
  slots?: number;
  /** Worker threads of all running jobs together (default: the core count). */
  threads?: number;
  /** How long a finished job stays answerable (default 10 minutes). */
  retentionMs?: number;
  /** Milliseconds clock (default Date.now). */
  now?: () => number;
}

interface Job {
  spec: JobSpec;
  view: JobView;
  abort: AbortController;
  threads: number;
  finishedAt?: number;
  keptAs?: string;
}

/** Forgotten jobs remembered by id (what became of them), at most this many. */
const TOMBSTONES = 10_000;
/** Progress of one job is pushed to listeners at most this often (ms); status changes at once. */
const PROGRESS_EVERY_MS = 100;

/** A job's view as pushed to listeners: everything but the result, which `view` gives once it is finished. */
export type JobListener = (view: JobEventView) => void;

export class JobQueue {
  readonly slots: number;
  readonly threads: number;
  readonly retentionMs: number;
  private readonly now: () => number;
  private readonly jobs = new Map<number, Job>();
  private readonly waiting: Job[] = [];
  private readonly forgotten = new LruCache<number, string | null>(TOMBSTONES);
  private readonly listeners = new Set<JobListener>();
  private readonly lastPushed = new Map<number, number>();
  private nextId = 1;
  private running = 0;
  private threadsInUse = 0;
  private pumpScheduled = false;

  constructor(opts: JobQueueOptions = {}) {
    const cores = defaultWorkers();
    this.slots = positive(opts.slots ?? cores, 'slots');
    this.threads = positive(opts.threads ?? cores, 'threads');
    this.retentionMs = opts.retentionMs ?? 10 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** Queues a job; it starts when a slot and its share of threads are free. */
  submit(spec: JobSpec): number {
    this.sweep();
    const id = this.nextId++;
    const job: Job = {
      spec, abort: new AbortController(), threads: 0,
      view: { id, kind: spec.kind, label: spec.label, status: 'queued', done: 0, total: 0, rate: 0, etaSeconds: Infinity },
    };
    this.jobs.set(id, job);
    this.waiting.push(job);
    this.push(job);
    this.schedulePump();
    return id;
  }

  /** Calls `listener` with a job's view whenever it changes (progress at most every 100 ms); returns the unsubscribe. */
  subscribe(listener: JobListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A snapshot of the job (ApiError for an unknown or forgotten id). */
  view(id: number): JobView {
    this.sweep();
    const job = this.find(id);
    const place = job.view.status === 'queued' ? { queuePosition: this.waiting.indexOf(job) + 1 } : {};
    return { ...job.view, ...place };
  }

  /** Cancels a queued job at once, or asks a running one to stop (it keeps what it finished). */
  cancel(id: number): { cancelled: boolean } {
    this.sweep();
    const job = this.find(id);
    if (job.view.status === 'queued') {
      this.waiting.splice(this.waiting.indexOf(job), 1);
      this.finish(job, 'cancelled');
      this.pushWaiting();
      return { cancelled: true };
    }
    if (job.view.status !== 'running') return { cancelled: false };
    job.abort.abort();
    return { cancelled: true };
  }

  /** How busy the queue is now. */
  load(): { running: number; queued: number; threadsInUse: number; kept: number } {
    return { running: this.running, queued: this.waiting.length, threadsInUse: this.threadsInUse, kept: this.jobs.size };
  }

  private find(id: number): Job {
    const job = this.jobs.get(id);
    if (job) return job;
    if (this.forgotten.has(id)) {
      const kept = this.forgotten.get(id);
      throw new ApiError(`no job ${id} (finished jobs are kept ${duration(this.retentionMs)}${kept ? `; ${kept}` : ''})`, 'jobId');
    }
    throw new ApiError(`no job ${id}`, 'jobId');
  }

  /** Starts waiting jobs on the next turn of the event loop, so that the call that queued them answers first. */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    let started = false;
    while (this.waiting.length > 0 && this.running < this.slots) {
      const share = this.shareForNext();
      if (share === 0) break;
      this.start(this.waiting.shift()!, share);
      started = true;
    }
    if (started) this.pushWaiting();
  }

  /** The view to listeners; progress alone (same status) at most every PROGRESS_EVERY_MS. */
  private push(job: Job, progressOnly = false): void {
    if (this.listeners.size === 0) return;
    const t = this.now(), id = job.view.id;
    if (progressOnly && t - (this.lastPushed.get(id) ?? -Infinity) < PROGRESS_EVERY_MS) return;
    this.lastPushed.set(id, t);
    const { result: _result, fidelity: _fidelity, dataset: _dataset, training: _training, ...view } = this.view(id);
    for (const l of this.listeners) {
      try { l(view); } catch { /* a listener's failure is its own */ }
    }
  }

  /** Queue positions moved: every waiting job's view changed. */
  private pushWaiting(): void {
    for (const job of this.waiting) this.push(job);
  }

  /**
   * The threads the next job gets: an even split of all threads among the
   * jobs that could run now (itself, the running ones, those behind it, up to
   * the slot count), at least 2 (runN1 uses a pool only from 2), at most what
   * is free; 0 = wait.
   */
  private shareForNext(): number {
    const least = Math.min(2, this.threads);
    const contenders = Math.min(this.slots, this.running + this.waiting.length);
    const even = Math.max(least, Math.floor(this.threads / contenders));
    const share = Math.min(even, this.threads - this.threadsInUse);
    return share >= least ? share : 0;
  }

  private start(job: Job, threads: number): void {
    job.threads = threads;
    this.threadsInUse += threads;
    this.running++;
    Object.assign(job.view, { status: 'running', threads });
    this.push(job);
    const ctx: JobContext = {
      signal: job.abort.signal, threads,
      progress: (p) => {
        Object.assign(job.view, { done: p.done, total: p.total, rate: p.rate, etaSeconds: p.etaSeconds });
        this.push(job, true);
      },
      training: (t) => { job.view.training = t; },
    };
    Promise.resolve()
      .then(() => job.spec.run(ctx))
      .then((out) => this.finish(job, out.status, out), (e: unknown) => this.finish(job, 'failed', undefined, e))
      .finally(() => {
        this.running--;
        this.threadsInUse -= threads;
        this.schedulePump();
      });
  }

  private finish(job: Job, status: JobStatus, out?: JobOutcome, error?: unknown): void {
    job.view.status = status;
    if (out) {
      job.view.result = out.result; job.view.fidelity = out.fidelity; job.keptAs = out.keptAs;
      if (out.dataset) job.view.dataset = out.dataset;
      if (out.training) job.view.training = out.training;
    }
    if (error !== undefined) job.view.error = error instanceof Error ? error.message : String(error);
    job.finishedAt = this.now();
    this.push(job);
    this.lastPushed.delete(job.view.id);
  }

  /** Forgets jobs finished longer ago than the retention time, remembering where their results went. */
  private sweep(): void {
    const cutoff = this.now() - this.retentionMs;
    for (const [id, job] of this.jobs) {
      if (job.finishedAt !== undefined && job.finishedAt <= cutoff) {
        this.jobs.delete(id);
        this.forgotten.set(id, job.keptAs ?? null);
      }
    }
  }
}

function positive(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`the job queue needs ${what} of at least 1, got ${n}`);
  return n;
}

/** '10 minutes', '1 minute', '30 seconds'. */
function duration(ms: number): string {
  if (ms >= 60_000) { const m = +(ms / 60_000).toFixed(1); return `${m} minute${m === 1 ? '' : 's'}`; }
  const s = +(ms / 1000).toFixed(1);
  return `${s} second${s === 1 ? '' : 's'}`;
}
