// Drives one layout job on its own worker thread (not the N-1 pool: a map
// must not wait behind a long N-1 run), slice by slice, until it is done or
// cancelled.

import { JobCancelled } from './pool';
import { JobWorker } from './job-worker';
import type { LayoutInit } from './layout-job';
import type { LayoutStatus } from '../core/map/layout';

export interface LayoutRunOptions {
  signal?: AbortSignal;
  /** After every slice. */
  onStatus?(status: LayoutStatus): void;
  /** Once, with the draft positions (per bus index x, y). */
  onDraft?(positions: Float64Array, status: LayoutStatus): void;
  /** Node-iterations per slice: about a quarter of a second on one core by default. */
  sliceWork?: number;
}

/** Runs the layout to the end; resolves with the final positions, rejects with JobCancelled or the worker's error. */
export async function runLayout(init: LayoutInit, opts: LayoutRunOptions = {}): Promise<Float64Array> {
  if (opts.signal?.aborted) throw new JobCancelled();
  const worker = new JobWorker('layout', init);
  const onAbort = () => void worker.terminate(new JobCancelled());
  opts.signal?.addEventListener('abort', onAbort);
  try {
    await worker.ready;
    for (;;) {
      const { status, positions } = await worker.run({ work: opts.sliceWork ?? 400_000 });
      opts.onStatus?.(status);
      if (status.done) return positions!;
      if (positions) opts.onDraft?.(positions, status);
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    void worker.terminate();
  }
}
