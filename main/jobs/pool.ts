// A small worker_threads pool for long jobs: each worker is initialised once
// (e.g. parses the case and solves the base case), then pulls chunks of work
// until none is left. Results stream back as chunks finish; cancel stops
// handing out work and ends the workers, keeping what already came back.

import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';

/** The worker script: the bundle's out/main/worker.js, or the TypeScript source under tsx. */
export function workerScript(): string {
  const js = join(__dirname, 'worker.js');
  if (existsSync(js)) return js;
  const ts = join(__dirname, '..', 'worker.ts');
  if (existsSync(ts)) return ts;
  throw new Error(`cannot find the worker script next to ${__dirname}`);
}

export function defaultWorkers(): number {
  return Math.max(1, cpus().length);
}

export interface PoolOptions<I, C, R> {
  job: string;
  init: I;
  chunks: C[];
  workers: number;
  onResult: (result: R, chunk: C) => void;
  signal?: AbortSignal;
}

export class JobCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'JobCancelled';
  }
}

/** Runs every chunk; resolves when all are done, rejects on a worker error or cancel. */
export function runPool<I, C, R>(opts: PoolOptions<I, C, R>): Promise<void> {
  const { chunks, onResult, signal } = opts;
  const nWorkers = Math.max(1, Math.min(opts.workers, chunks.length));
  return new Promise<void>((resolve, reject) => {
    if (chunks.length === 0) return resolve();
    let next = 0, done = 0, finished = false;
    const workers: Worker[] = [];
    const finish = (err?: Error) => {
      if (finished) return;
      finished = true;
      signal?.removeEventListener('abort', onAbort);
      for (const w of workers) void w.terminate();
      if (err) reject(err); else resolve();
    };
    const onAbort = () => finish(new JobCancelled());
    if (signal?.aborted) return finish(new JobCancelled());
    signal?.addEventListener('abort', onAbort);
    for (let w = 0; w < nWorkers; w++) {
      const script = workerScript();
      const workerData = { job: opts.job, init: opts.init };
      // From source (tests, dev) the worker registers the TypeScript loader first.
      const worker = script.endsWith('.ts')
        ? new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(script)});`, { eval: true, workerData })
        : new Worker(script, { workerData });
      workers.push(worker);
      let current = -1;
      const feed = () => {
        if (finished) return;
        if (next >= chunks.length) { current = -1; void worker.terminate(); return; }
        current = next++;
        worker.postMessage({ chunk: chunks[current] });
      };
      worker.on('message', (msg: { ready?: true; result?: R; error?: string; errorName?: string }) => {
        if (finished) return;
        if (msg.error !== undefined) {
          const e = new Error(msg.error);
          e.name = msg.errorName ?? 'Error';
          return finish(e);
        }
        if (msg.ready) return feed();
        try {
          onResult(msg.result as R, chunks[current]);
        } catch (e) {
          return finish(e as Error);
        }
        done++;
        if (done === chunks.length) return finish();
        feed();
      });
      worker.on('error', (e) => finish(e));
      worker.on('exit', (code) => {
        if (!finished && current >= 0 && code !== 0) finish(new Error(`a worker stopped with code ${code}`));
      });
    }
  });
}
