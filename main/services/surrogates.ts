// The surrogate beside the physics: for a case, the newest usable model
// trained on its grid predicts every outage once (kept per case, until the
// set of models changes). A model that cannot be read is skipped with one
// warning and listed as unreadable; it never takes the physics down with it.

import type { ModelInfo, SurrogateView } from '../api';
import type { Case } from '../core/grid/case';
import { signatureMismatch } from '../core/grid/features';
import { compile } from '../core/grid/network';
import type { Store } from '../store';
import type { ModelRecord } from '../store/models';
import type { CaseCatalogue } from './case-catalogue';
import type { Logger } from './logger';
import { LruCache } from './lru';
import { loadSurrogate, predictCase, PredictError, type PredictOutcome } from './predict';
import { readSurrogate, type SurrogateRead } from './surrogate-config';
import type { SurrogateModelConfig } from './train';

interface ModelEntry {
  model: ModelRecord;
  read: SurrogateRead;
}

interface Prediction {
  outcome: PredictOutcome;
  config: SurrogateModelConfig;
  name: string;
  ms: number;
}

export interface SurrogatesOptions {
  /** Cases whose predictions are kept. */
  cachedCases?: number;
}

export class Surrogates {
  /** Model rows as read, by id; re-read when a row's updated_at changes. */
  private readonly reads = new Map<number, { updatedAt: string; entry: ModelEntry }>();
  /** Models that read well but failed to load (damaged weights): id -> why. */
  private readonly broken = new Map<number, string>();
  private readonly warned = new Set<number>();
  private readonly predictions: LruCache<string, { models: string; hit: Prediction | null }>;

  constructor(
    private readonly catalogue: CaseCatalogue,
    private readonly store: Store | undefined,
    private readonly logger: Logger,
    opts: SurrogatesOptions = {},
  ) {
    this.predictions = new LruCache(opts.cachedCases ?? 16);
  }

  /** The surrogate's verdict on one branch outage of a case; null without a usable model of its grid. */
  forOutage(key: string, branch: number): SurrogateView | null {
    const hit = this.predictionFor(key);
    const p = hit?.outcome.contingencies.find((c) => c.branch === branch);
    if (!hit || !p) return null;
    return {
      modelId: hit.outcome.modelId, modelName: hit.name, method: hit.config.method, regrow: hit.config.regrow, sparsity: hit.config.sparsity,
      verdict: p.verdict, pInsecure: p.pInsecure, maxLoading: p.maxLoading, milliseconds: hit.ms,
    };
  }

  /** Every stored model, newest first, with whether the service can use it and why not. */
  list(): ModelInfo[] {
    return this.models().map(({ model, read }) => {
      const problem = this.broken.get(model.id) ?? (read.status === 'usable' ? null : read.problem);
      const status = this.broken.has(model.id) ? 'unreadable' : read.status;
      const config = read.status === 'unreadable' ? null : read.config;
      return {
        id: model.id, name: model.name, createdAt: model.createdAt, status, problem,
        caseName: config?.grid.caseName ?? null, method: config?.method ?? null, regrow: config?.regrow ?? null, sparsity: config?.sparsity ?? null,
      };
    });
  }

  /** The cached predictions of a case, recomputed when the usable models change. */
  private predictionFor(key: string): Prediction | null {
    if (!this.store) return null;
    const usable = this.models().filter((m) => m.read.status === 'usable' && !this.broken.has(m.model.id));
    const models = usable.map((m) => m.model.id).join(',');
    const cached = this.predictions.get(key);
    if (cached && cached.models === models) return cached.hit;
    const hit = this.predict(this.catalogue.get(key), usable, this.store);
    this.predictions.set(key, { models, hit });
    return hit;
  }

  /** Every outage of c by the newest model of its grid that loads. */
  private predict(c: Case, usable: ModelEntry[], store: Store): Prediction | null {
    const net = compile(c);
    // Trained models before compressed ones (gridrewire compress stores a dozen variants, the worst pruned last):
    // the card shows the newest trained model, a compressed one only when no other loads.
    const compressed = (e: ModelEntry) => e.read.status !== 'unreadable' && !!e.read.config.compression;
    for (const { model, read } of [...usable.filter((e) => !compressed(e)), ...usable.filter(compressed)]) {
      if (read.status !== 'usable' || signatureMismatch(read.config.grid, net)) continue; // another grid's model
      try {
        const t0 = performance.now();
        const loaded = loadSurrogate(store, model.id);
        const outcome = predictCase(loaded, c);
        return { outcome, config: loaded.config, name: model.name, ms: performance.now() - t0 };
      } catch (e) {
        // Whatever a model does wrong stays with that model: the physics verdict still answers.
        const why = e instanceof PredictError ? e.message.replace(`model ${model.id} `, '') : `fails to predict (${e instanceof Error ? e.message : String(e)})`;
        this.broken.set(model.id, why);
        this.warnOnce(model);
      }
    }
    return null;
  }

  /** Every model row, newest first, read through the one surrogate parser (rows unchanged since last time are not re-read). */
  private models(): ModelEntry[] {
    if (!this.store) return [];
    const versions = this.store.models.versions();
    const live = new Set(versions.map((v) => v.id));
    for (const id of this.reads.keys()) if (!live.has(id)) this.reads.delete(id);
    const entries: ModelEntry[] = [];
    for (const v of [...versions].reverse()) {
      const entry = this.read(v.id, v.updatedAt);
      if (entry) entries.push(entry);
    }
    return entries;
  }

  private read(id: number, updatedAt: string): ModelEntry | null {
    const hit = this.reads.get(id);
    if (hit && hit.updatedAt === updatedAt) return hit.entry;
    const model = this.store!.models.get(id);
    if (!model) return null; // deleted meanwhile
    const entry = { model, read: readSurrogate(model) };
    this.reads.set(id, { updatedAt, entry });
    this.broken.delete(id);
    this.warned.delete(id);
    if (entry.read.status === 'unreadable') this.warnOnce(model);
    return entry;
  }

  private warnOnce(model: ModelRecord): void {
    if (this.warned.has(model.id)) return;
    this.warned.add(model.id);
    const entry = this.reads.get(model.id)?.entry;
    const problem = this.broken.get(model.id) ?? (entry && entry.read.status !== 'usable' ? entry.read.problem : 'cannot be used');
    this.logger.warn(`skipping model ${model.id} ('${model.name}'): it ${problem}`);
  }
}
