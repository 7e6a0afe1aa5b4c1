// A small worker_threads pool for long jobs: each worker is initialised once
// (e.g. parses the case and solves the base case), then pulls chunks of work
// until none is left. Results stream back as chunks finish; cancel stops
// handing out work and ends the workers, keeping what already came back.

import { availableParallelism } from 'node:os';
import { JobWorker } from './job-worker';
import type { JobChunk, JobInit, JobName, JobResult } from './types';

export { workerScript } from './job-worker';

/** The cores this process may use (affinity and container limits included): the default and the cap of every thread count. */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

export interface PoolOptions<K extends JobName> {
  job: K;
  init: JobInit<K>;
  chunks: JobChunk<K>[];
  workers: number;
  onResult(result: JobResult<K>, chunk: JobChunk<K>): void;
  signal?: AbortSignal;
}

export class JobCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'JobCancelled';
  }
}

/** Runs every chunk; resolves when all are done, rejects on a worker error or cancel. */
export async function runPool<K extends JobName>(opts: PoolOptions<K>): Promise<void> {
  const { job, init, chunks, onResult, signal } = opts;
  if (chunks.length === 0) return;
  if (signal?.aborted) throw new JobCancelled();
  const workers = Array.from({ length: Math.max(1, Math.min(opts.workers, chunks.length)) }, () => new JobWorker(job, init));
  let next = 0;
  let stopped: Error | null = null;
  // The first failure (or the cancel) ends every worker; what they still had pending rejects with it.
  const stop = (e: Error) => {
    if (stopped) return;
    stopped = e;
    for (const w of workers) void w.terminate(e);
  };
  const onAbort = () => stop(new JobCancelled());
  signal?.addEventListener('abort', onAbort);
  const lane = async (w: JobWorker<K>) => {
    await w.ready;
    while (next < chunks.length && !stopped) {
      const chunk = chunks[next++];
      const result = await w.run(chunk);
      if (stopped) return;
      onResult(result, chunk);
    }
    // Nothing left to hand out: free the thread while the others finish.
    void w.terminate();
  };
  try {
    await Promise.all(workers.map((w) => lane(w).catch((e: Error) => { stop(e); throw e; })));
  } finally {
    signal?.removeEventListener('abort', onAbort);
    for (const w of workers) void w.terminate();
  }
  if (stopped) throw stopped;
}
