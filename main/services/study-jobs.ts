// Studies for the window: each one (robustness, compression, graphon) runs
// as a queued background job with progress and cancel, and is kept in the
// store with the model; the window reads the newest of each kind back from
// there (`stored`), the next time too.

import type { StudiesView } from '../api';
import { ApiError } from '../api';
import type { Store } from '../store';
import type { Perturbation } from '../core/learn/studies/perturb';
import type { PruneSpec, Quantization } from '../core/learn/studies/compress';
import { compressionStudy, type CompressionStudy } from './compress';
import type { JobQueue } from './job-queue';
import { Studies, type GraphonStudy, type RobustnessStudy } from './studies';

export type StudyKind = 'robustness' | 'compression' | 'graphon';

export interface StudyJobRequest {
  model: number;
  study: StudyKind;
  draws?: number;
  outages?: number;
  blocks?: number;
  finetune?: number;
  perturbations?: Perturbation[];
  prune?: PruneSpec[];
  quantize?: Quantization[];
}

export class StudyJobs {
  constructor(private readonly queue: JobQueue, private readonly store: Store | undefined) {}

  start(req: StudyJobRequest): { jobId: number } {
    const store = this.requireStore();
    if (!store.models.get(req.model)) throw new ApiError(`field 'model': there is no model ${req.model} in the store`, 'model');
    const studies = new Studies(store);
    const jobId = this.queue.submit({
      kind: 'study',
      label: `${req.study} of model ${req.model}`,
      run: async (ctx) => {
        const ctl = { signal: ctx.signal, onProgress: ctx.progress };
        let cancelled: boolean;
        if (req.study === 'robustness') cancelled = (await studies.robustness({ model: req.model, perturbations: req.perturbations, draws: req.draws, outages: req.outages }, ctl)).cancelled;
        else if (req.study === 'compression') cancelled = (await compressionStudy(store, { model: req.model, prune: req.prune, quantize: req.quantize, finetune: req.finetune }, ctl)).cancelled;
        else {
          studies.graphon({ model: req.model, blocks: req.blocks });
          ctx.progress({ done: 1, total: 1, rate: 1, etaSeconds: 0 });
          cancelled = false;
        }
        return { status: cancelled ? 'cancelled' : 'done', keptAs: cancelled ? undefined : `the ${req.study} study is kept with model ${req.model}` };
      },
    });
    return { jobId };
  }

  /** The newest stored study of each kind for a model (null where none was run). */
  stored(model: number): StudiesView {
    const store = this.requireStore();
    if (!store.models.get(model)) throw new ApiError(`field 'model': there is no model ${model} in the store`, 'model');
    const s = new Studies(store);
    return {
      model,
      robustness: s.stored<RobustnessStudy>(model, 'robustness'),
      compression: s.stored<CompressionStudy>(model, 'compression'),
      graphon: s.stored<GraphonStudy>(model, 'graphon'),
    };
  }

  private requireStore(): Store {
    if (!this.store) throw new ApiError('studies need a database (the app runs without one)');
    return this.store;
  }
}
