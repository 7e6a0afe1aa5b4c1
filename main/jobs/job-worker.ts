// One worker thread running one job (types.ts): started with the job's init,
// it is 'ready' once set up, then answers chunks one message each. The pool
// and the training GradientGroup both drive their threads through this.

import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { errorFromMessage, type FromWorker, type ToWorker, type WorkerData } from './messages';
import type { JobChunk, JobInit, JobName, JobResult } from './types';

/** The worker script: the bundle's out/main/worker.js, or the TypeScript source under tsx. */
export function workerScript(): string {
  const js = join(__dirname, 'worker.js');
  if (existsSync(js)) return js;
  const ts = join(__dirname, '..', 'worker.ts');
  if (existsSync(ts)) return ts;
  throw new Error(`cannot find the worker script next to ${__dirname}`);
}

function spawn<K extends JobName>(data: WorkerData<K>): Worker {
  const script = workerScript();
  // From source (tests, dev) the worker registers the TypeScript loader first.
  return script.endsWith('.ts')
    ? new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(script)});`, { eval: true, workerData: data })
    : new Worker(script, { workerData: data });
}

interface Pending<R> {
  resolve(r: R): void;
  reject(e: Error): void;
}

function deferred<T>(): Pending<T> & { promise: Promise<T> } {
  let resolve: (r: T) => void = () => {}, reject: (e: Error) => void = () => {};
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

export class JobWorker<K extends JobName> {
  private readonly worker: Worker;
  private readonly setUp = deferred<void>();
  private readonly pending = new Map<number, Pending<JobResult<K>>>();
  private nextId = 0;
  private failure: Error | null = null;
  private stopping = false;

  constructor(job: K, init: JobInit<K>) {
    // Whoever needs the worker awaits `ready`; a worker stopped before anyone did must not warn.
    this.setUp.promise.catch(() => {});
    this.worker = spawn({ job, init });
    this.worker.on('message', (m: FromWorker<K>) => this.receive(m));
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => {
      if (!this.stopping) this.fail(new Error(`a worker stopped with code ${code}`));
    });
  }

  /** Resolves once the worker has set itself up from init; rejects with its error. */
  get ready(): Promise<void> {
    return this.setUp.promise;
  }

  /** The error that ended this worker (its own, or its thread's), if any. */
  get failed(): Error | null {
    return this.failure;
  }

  /** Sends one chunk; resolves with its result, rejects with the worker's error. */
  run(chunk: JobChunk<K>): Promise<JobResult<K>> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<JobResult<K>>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const msg: ToWorker<K> = { type: 'chunk', id, chunk };
      this.worker.postMessage(msg);
    });
  }

  /** Ends the thread; what is still pending rejects with `reason`. */
  async terminate(reason: Error = new Error('the worker was stopped')): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      this.fail(reason);
    }
    await this.worker.terminate();
  }

  private receive(m: FromWorker<K>): void {
    switch (m.type) {
      case 'ready':
        this.setUp.resolve();
        return;
      case 'result':
        this.take(m.id)?.resolve(m.result);
        return;
      case 'error': {
        // A chunk's error fails that chunk; a set-up error (no id) fails the worker.
        const e = errorFromMessage(m);
        const p = m.id === undefined ? undefined : this.take(m.id);
        if (p) p.reject(e);
        else this.fail(e);
        return;
      }
    }
  }

  private take(id: number): Pending<JobResult<K>> | undefined {
    const p = this.pending.get(id);
    this.pending.delete(id);
    return p;
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    this.setUp.reject(e);
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}

/** `count` workers of one job, each set up from `init`; if any fails to set up, all are stopped and its error thrown. */
export async function startWorkers<K extends JobName>(job: K, init: JobInit<K>, count: number): Promise<JobWorker<K>[]> {
  const workers = Array.from({ length: count }, () => new JobWorker(job, init));
  try {
    await Promise.all(workers.map((w) => w.ready));
  } catch (e) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw e;
  }
  return workers;
}
