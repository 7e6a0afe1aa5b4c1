// Surrogate datasets from the window: the case's stored datasets, the levels
// a new one gets by default (inside the load range the case's base case
// converges over, as `gridrewire dataset` draws them), and a build as a
// queued job with progress per scenario and cancel (the scenarios finished
// stay stored; an unfinished dataset is listed as building and is not
// trained on).

import type { DatasetBuildView, DatasetDefaults, DatasetInfo } from '../api';
import { ApiError } from '../api';
import { defaultLevels, defaultVariation, findLoadRange, LoadRangeError, type LoadRange } from '../core/grid/scenarios';
import { L_INSECURE, L_ISLANDED } from '../core/learn/grid-data';
import type { Store } from '../store';
import type { CaseCatalogue } from './case-catalogue';
import { buildDataset, defaultSampling, type DatasetConfig, type DatasetOutcome } from './dataset';
import type { JobQueue } from './job-queue';
import { LruCache } from './lru';

export interface DatasetJobRequest {
  scenarios?: number;
  levelMin?: number;
  levelMax?: number;
  seed?: number;
  /** Label the scenarios on the configured cluster's workers. */
  cluster?: boolean;
}

/** Samples read per query when counting a dataset's insecure outages. */
const PAGE = 512;

export class DatasetJobs {
  /** The load range of each case's base case (a handful of power flows; searched once per case). */
  private readonly ranges = new LruCache<string, LoadRange>(16);
  /** Insecure share of finished datasets (they never change). */
  private readonly shares = new Map<number, number | null>();

  /** `cluster`: the Redis URL builds may be sent to (null: this machine only). */
  constructor(private readonly catalogue: CaseCatalogue, private readonly queue: JobQueue, private readonly store: Store | undefined, private readonly cluster: string | null = null) {}

  /** The case's datasets, newest first. */
  list(key: string): DatasetInfo[] {
    this.catalogue.get(key);
    const caseId = this.catalogue.storedId(key);
    if (!this.store || caseId === null) return [];
    const store = this.store;
    return store.datasets.list({ caseId }).reverse().map((d) => {
      const config = d.config as Partial<DatasetConfig>;
      const scenarios = { train: 0, val: 0, test: 0 };
      for (const s of config.scenarios ?? []) if (s.split) scenarios[s.split]++;
      const random = config.sources?.random;
      const bytes = store.datasets.storedBytes(d.id);
      return {
        id: d.id, name: d.name, createdAt: d.createdAt, status: d.status, scenarios, skipped: config.skipped?.length ?? 0,
        outages: config.outagesPerScenario ?? config.grid?.nl ?? 0, samples: d.samples,
        insecureShare: d.status === 'done' ? this.insecureShare(store, d.id) : null,
        levels: random ? { min: random.levelMin, max: random.levelMax } : null,
        loadRange: config.loadRange ? { min: config.loadRange.min, max: config.loadRange.max } : null,
        seed: d.seed, bytes: bytes.features + bytes.labels,
      };
    });
  }

  /** What the form shows before a build: the default count, seed and levels within the load range found. */
  defaults(key: string): DatasetDefaults {
    const range = this.loadRange(key);
    const levels = defaultLevels(range);
    return {
      ...samplingOf(this.catalogue.get(key).branch.length), seed: 1, ...levels,
      loadRange: { min: range.min, max: range.max, minIsBound: range.minIsBound, maxIsBound: range.maxIsBound },
    };
  }

  /** Queues a build of random load scenarios of the case; refused now for a bad request, not when the job starts. */
  start(key: string, req: DatasetJobRequest): { jobId: number } {
    const store = this.requireStore();
    const c = this.catalogue.get(key);
    if (req.levelMin !== undefined && req.levelMax !== undefined && req.levelMax < req.levelMin) {
      throw new ApiError(`field 'levelMax': must be at least levelMin (${req.levelMin}), got ${req.levelMax}`, 'levelMax');
    }
    if (req.cluster && !this.cluster) throw new ApiError('no cluster is configured: start the app with GRIDREWIRE_REDIS=redis://host:port', 'cluster');
    const cluster = req.cluster && this.cluster ? { url: this.cluster } : undefined;
    const caseText = this.catalogue.text(key), fileName = this.catalogue.fileName(key);
    const randomLoad = { ...(req.levelMin !== undefined ? { levelMin: req.levelMin } : {}), ...(req.levelMax !== undefined ? { levelMax: req.levelMax } : {}) };
    const jobId = this.queue.submit({
      kind: 'dataset',
      label: `${c.name} dataset${cluster ? ' on the cluster' : ''}`,
      run: async (ctx) => {
        const out = await buildDataset({
          store, caseText, fileName, random: req.scenarios, randomLoad, seed: req.seed,
          // The queue gives a job at least 2 threads on a multi-core machine: a pool then; one thread labels in this one.
          workers: ctx.threads > 1 ? ctx.threads : 0, cluster, signal: ctx.signal, onProgress: ctx.progress,
        });
        if (!out.cancelled) this.shares.set(out.datasetId, shareOf(out));
        return {
          status: out.cancelled ? 'cancelled' : 'done', dataset: buildView(out),
          keptAs: out.cancelled ? `dataset ${out.datasetId} keeps ${out.samples} outages but is unfinished` : `dataset ${out.datasetId} is in the store`,
        };
      },
    });
    return { jobId };
  }

  private loadRange(key: string): LoadRange {
    const c = this.catalogue.get(key);
    return this.ranges.getOrCreate(key, () => {
      try {
        return findLoadRange(c, { dispatch: defaultVariation.dispatch });
      } catch (e) {
        if (e instanceof LoadRangeError || e instanceof RangeError) throw new ApiError(`${c.name}: ${e.message}`, 'name');
        throw e;
      }
    });
  }

  /** Insecure outages among the non-islanded ones of a finished dataset (one pass over its samples, then kept). */
  private insecureShare(store: Store, id: number): number | null {
    const known = this.shares.get(id);
    if (known !== undefined) return known;
    let judged = 0, insecure = 0, after = 0;
    for (;;) {
      const page = store.datasets.getSamples(id, { afterId: after, limit: PAGE });
      if (page.length === 0) break;
      after = page[page.length - 1].id;
      for (const s of page) {
        if (s.branch === 0 || s.labels[L_ISLANDED]) continue;
        judged++;
        if (s.labels[L_INSECURE]) insecure++;
      }
    }
    const share = judged ? insecure / judged : null;
    this.shares.set(id, share);
    return share;
  }

  private requireStore(): Store {
    if (!this.store) throw new ApiError('datasets need a database (the app runs without one)');
    return this.store;
  }
}

function shareOf(out: DatasetOutcome): number | null {
  const s = Object.values(out.splits);
  const judged = s.reduce((a, c) => a + c.judged, 0);
  return judged ? s.reduce((a, c) => a + c.insecure, 0) / judged : null;
}

function buildView(out: DatasetOutcome): DatasetBuildView {
  const r = out.loadRange;
  return {
    datasetId: out.datasetId, cancelled: out.cancelled, scenarios: out.scenarios, samples: out.samples,
    skipped: out.skipped.map((s) => ({ id: s.id, level: s.level ?? null, reason: s.reason ?? 'skipped' })),
    loadRange: r ? { min: r.min, max: r.max, minIsBound: r.minIsBound, maxIsBound: r.maxIsBound } : null,
    levels: out.random ? { min: out.random.levelMin, max: out.random.levelMax, from: out.random.levels } : null,
    seconds: out.seconds,
  };
}

/** The default scenario count and outages per scenario of a grid of `branches` (dataset.ts defaultSampling). */
function samplingOf(branches: number): { scenarios: number; outagesPerScenario: number | null } {
  const d = defaultSampling(branches);
  return { scenarios: d.scenarios, outagesPerScenario: d.outageShare ? Math.ceil(branches * d.outageShare) : null };
}
