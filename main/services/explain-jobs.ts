// Explanations for the window: one outage's explanation answered at once
// (read back from the store after the first time), and the fidelity study
// of a model as a queued background job with progress and cancel.

import type { ExplanationView } from '../api';
import { ApiError } from '../api';
import type { Store } from '../store';
import type { CaseCatalogue } from './case-catalogue';
import { Explanations } from './explain';
import type { JobQueue } from './job-queue';

/** What the window receives of an explanation: the strongest connections and the largest flow changes. */
const WINDOW_CONNECTIONS = 400;
const WINDOW_FLOWS = 100;

export class ExplainJobs {
  private readonly explanations: Explanations | null;

  constructor(catalogue: CaseCatalogue, private readonly queue: JobQueue, store: Store | undefined) {
    this.explanations = store ? new Explanations(store, catalogue) : null;
  }

  /** One outage's explanation, trimmed to what the window draws (the store keeps it whole: about 450 KB on case_ACTIVSg200). */
  explain(key: string, branch: number, model?: number): ExplanationView {
    const out = this.service().explain({ case: key, branch, model });
    const e = out.explanation;
    const explanation = {
      ...e,
      network: e.network && { ...e.network, connections: e.network.connections.slice(0, WINDOW_CONNECTIONS) },
      physics: { ...e.physics, flowChange: e.physics.flowChange.slice(0, WINDOW_FLOWS) },
    };
    return { explanation, connectionsTotal: e.network?.connections.length ?? 0, modelId: out.modelId, cached: out.cached, milliseconds: out.milliseconds };
  }

  startFidelity(req: { model: number; dataset?: number; outages?: number }): { jobId: number } {
    const service = this.service();
    const jobId = this.queue.submit({
      kind: 'fidelity',
      label: `fidelity of model ${req.model}`,
      run: async (ctx) => {
        const study = await service.explainFidelity(req, { signal: ctx.signal, onProgress: ctx.progress });
        return { status: study.cancelled ? 'cancelled' : 'done', fidelity: study, keptAs: study.cancelled ? undefined : `the study is kept with model ${req.model}` };
      },
    });
    return { jobId };
  }

  private service(): Explanations {
    if (!this.explanations) throw new ApiError('explanations need a database (the app runs without one)');
    return this.explanations;
  }
}
