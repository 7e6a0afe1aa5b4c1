// The metrics kept with a case's models, for the window to list and compare:
// validation, test and stressed-test blocks, the DC screen on the same test
// samples, parameters kept, times, and the training curve of the model's run.
// A model of another grid, or one that cannot be read, is refused by name.

import type { ModelDetailView } from '../api';
import { ApiError } from '../api';
import { signatureMismatch } from '../core/grid/features';
import { compile } from '../core/grid/network';
import type { Store } from '../store';
import type { ModelRecord } from '../store/models';
import type { CaseCatalogue } from './case-catalogue';
import { readSurrogate } from './surrogate-config';
import type { SurrogateModelConfig } from './train';
import { epochOfStored, figure, metricsOf } from './training-views';

export class ModelMetrics {
  constructor(private readonly catalogue: CaseCatalogue, private readonly store: Store | undefined) {}

  /** Every readable model of the case's grid, newest first, without curves. */
  ofCase(key: string): ModelDetailView[] {
    const net = compile(this.catalogue.get(key));
    if (!this.store) return [];
    const out: ModelDetailView[] = [];
    for (const m of this.store.models.list().reverse()) {
      const read = readSurrogate(m);
      if (read.status === 'unreadable' || signatureMismatch(read.config.grid, net) !== null) continue;
      out.push(detail(m, read.config, []));
    }
    return out;
  }

  /** One model of the case, with its training curve. */
  detail(key: string, id: number, field = 'model'): ModelDetailView {
    const store = this.requireStore();
    const c = this.catalogue.get(key);
    const m = store.models.get(id);
    if (!m) throw new ApiError(`field '${field}': there is no model ${id} in the store`, field);
    const read = readSurrogate(m);
    if (read.status === 'unreadable') throw new ApiError(`field '${field}': model ${id} ${read.problem}`, field);
    const why = signatureMismatch(read.config.grid, compile(c));
    if (why !== null) throw new ApiError(`field '${field}': model ${id} is a model of ${read.config.grid.caseName}, not of ${c.name} (${why})`, field);
    return detail(m, read.config, this.curve(store, m));
  }

  /** Models of the case side by side, in the order asked. */
  compare(key: string, ids: number[]): ModelDetailView[] {
    const twice = ids.find((id, i) => ids.indexOf(id) !== i);
    if (twice !== undefined) throw new ApiError(`field 'models': lists model ${twice} twice`, 'models');
    return ids.map((id) => this.detail(key, id, 'models'));
  }

  private curve(store: Store, m: ModelRecord) {
    if (m.trainingRunId === null || !store.training.get(m.trainingRunId)) return [];
    return store.training.getEpochs(m.trainingRunId).map(epochOfStored);
  }

  private requireStore(): Store {
    if (!this.store) throw new ApiError('models need a database (the app runs without one)');
    return this.store;
  }
}

function detail(m: ModelRecord, config: SurrogateModelConfig, curve: ModelDetailView['curve']): ModelDetailView {
  const o = (m.metrics ?? {}) as Record<string, unknown>;
  const params = (o.params ?? {}) as Record<string, unknown>;
  const stressed = metricsOf(o.testStressed);
  const dc = (o.dc ?? null) as { test?: unknown } | null;
  return {
    id: m.id, name: m.name, createdAt: m.createdAt, datasetId: m.datasetId, trainingRunId: m.trainingRunId,
    method: config.method, regrow: config.regrow, sparsity: config.sparsity,
    density: figure(params.fraction), paramsKept: figure(params.kept), epochs: figure(o.epochs), bestEpoch: figure(o.bestEpoch),
    stopped: typeof o.stopped === 'string' ? o.stopped : null, seconds: figure(o.seconds), threshold: config.threshold,
    val: metricsOf(o.val), test: metricsOf(o.test),
    testStressed: stressed ? { ...stressed, scenarios: figure((o.testStressed as Record<string, unknown>).scenarios) ?? 0 } : null,
    dcTest: dc ? metricsOf(dc.test) : null, curve,
  };
}
