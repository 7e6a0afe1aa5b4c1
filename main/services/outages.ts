// One branch outage solved now, for the map: the exact post-outage state of
// the N-1 engine beside the surrogate's verdict. Solved engines are kept for
// a few cases only (least recently used go), so opening many cases does not
// grow memory without bound.

import type { OutageView } from '../api';
import { ApiError } from '../api';
import { N1Engine } from '../core/grid/contingency';
import type { CaseCatalogue } from './case-catalogue';
import { contingencyView } from './contingency-view';
import { LruCache } from './lru';
import type { Surrogates } from './surrogates';

export interface OutagesOptions {
  /** Cases whose solved N-1 engine is kept. */
  engineCases?: number;
}

export class Outages {
  private readonly engines: LruCache<string, N1Engine>;

  constructor(private readonly catalogue: CaseCatalogue, private readonly surrogates: Surrogates, opts: OutagesOptions = {}) {
    this.engines = new LruCache(opts.engineCases ?? 4);
  }

  /** Keys of the cases whose engines are kept, least recently used first. */
  cachedCases(): string[] {
    return this.engines.keys();
  }

  outage(key: string, branch: number): OutageView {
    const c = this.catalogue.get(key);
    if (branch > c.branch.length) throw new ApiError(`branch ${branch} does not exist: ${c.name} has ${c.branch.length} branches`, 'branch');
    const engine = this.engines.getOrCreate(key, () => N1Engine.forCase(c));
    // The outage's own solve: the card shows it beside the Newton iterations, so the case's first engine (base case, factors) is not in it.
    const t0 = performance.now();
    const d = engine.branchOutageDetail(branch);
    const ms = performance.now() - t0;
    return { record: contingencyView(d.record), surrogate: this.surrogates.forOutage(key, branch), vm: Array.from(d.vm, finiteOrNull), loading: Array.from(d.loading, finiteOrNull), milliseconds: ms };
  }
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);
