// A stored dataset for training without holding its labels: one pass over
// the store keeps what is small (every scenario's static features, every
// outage's record and label head, where each scenario's rows lie), and the
// labels (every branch loading and bus voltage of every outage: 22 KB per
// outage on case_ACTIVSg2000) are read back a scenario at a time into a
// bounded cache as training asks for them. The epoch order draws from a
// window of scenarios (core/learn/epoch-order.ts), so the cache holds the
// window and training reads each scenario about once per epoch.

import { LH, SPLIT_CODES, labelLength, raggedRows, stackRows, staticLength, type PackedDataset } from '../core/learn/grid-data';
import type { Store, StoredSample } from '../store';
import { DatasetError, datasetConfig, type LoadedDataset } from './dataset';

/** Rows read from the store per query. */
const PAGE = 512;

/** The labels of one stored outage sample ([labelLength]): where a storage encoding of labels would be decoded. */
function labelsOf(s: StoredSample): Float32Array {
  return s.labels;
}

/** Where a scenario's rows are in the store: runs of consecutive ids. */
interface ScenarioRows {
  runs: { afterId: number; count: number }[];
  /** Dataset sample index of each outage row of the scenario, in id order. */
  samples: number[];
}

/**
 * Reads labels of a dataset's samples a scenario at a time, keeping at most
 * `capacity` scenarios (least recently used out first).
 */
export class ScenarioLabelCache {
  private readonly cache = new Map<number, Float32Array>();
  /** Reads from the store, and requests served from the cache. */
  readonly stats = { loads: 0, hits: 0, seconds: 0 };

  constructor(
    private readonly store: Store,
    private readonly datasetId: number,
    private readonly packed: PackedDataset,
    private readonly rows: ScenarioRows[],
    /** Row of each sample within its scenario's block. */
    private readonly rowOf: Int32Array,
    readonly capacity: number,
  ) {}

  /** Every label of sample i (a view into the cached block of its scenario). */
  read(i: number): Float32Array {
    const s = this.packed.sampleScenario[i];
    let block = this.cache.get(s);
    if (block) {
      this.stats.hits++;
      this.cache.delete(s);
      this.cache.set(s, block);
    } else {
      block = this.load(s);
      this.cache.set(s, block);
      while (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value!);
    }
    const LL = labelLength(this.packed.nb, this.packed.nl), r = this.rowOf[i];
    return block.subarray(r * LL, (r + 1) * LL);
  }

  /** Scenarios held now. */
  get held(): number {
    return this.cache.size;
  }

  private load(s: number): Float32Array {
    const t0 = performance.now();
    const LL = labelLength(this.packed.nb, this.packed.nl);
    const sc = this.rows[s];
    const block = new Float32Array(sc.samples.length * LL);
    let r = 0;
    for (const run of sc.runs) {
      for (const row of this.store.datasets.getSamples(this.datasetId, { afterId: run.afterId, limit: run.count })) {
        if (row.branch === 0) continue;
        const lab = labelsOf(row);
        if (lab.length !== LL) throw new DatasetError(`dataset ${this.datasetId}: sample (${row.scenario}, ${row.branch}) has ${lab.length} labels, expected ${LL}`);
        block.set(lab, r++ * LL);
      }
    }
    if (r !== sc.samples.length) throw new DatasetError(`dataset ${this.datasetId}: scenario ${this.packed.scenarioIds[s]} read back ${r} outage rows, indexed ${sc.samples.length} (was the dataset changed while training?)`);
    this.stats.loads++;
    this.stats.seconds += (performance.now() - t0) / 1000;
    return block;
  }
}

/** A dataset whose labels stream from the store (PackedDataset.labels empty, heads filled). */
export interface StreamedDataset extends LoadedDataset {
  labels: ScenarioLabelCache;
  /** Bytes of one scenario's labels (the cache's unit). */
  scenarioBytes: number;
}

/**
 * One pass over a stored dataset: statics, records and label heads in
 * memory, the labels left in the store behind a cache of
 * `cacheBytes` worth of scenarios (at least two).
 */
export function streamDataset(store: Store, id: number, cacheBytes: number): StreamedDataset {
  const { caseId, config } = datasetConfig(store, id);
  const { nb, nl } = config.grid;
  const busIndex = new Map(config.grid.bus.map((b, i) => [b, i]));
  const src = Int32Array.from(config.grid.from, (b) => busIndex.get(b)!);
  const dst = Int32Array.from(config.grid.to, (b) => busIndex.get(b)!);
  const SL = staticLength(nb, nl), LL = labelLength(nb, nl);
  const scen = new Map<number, number>();
  const scenIds: number[] = [], scenSplit: number[] = [], statics: Float32Array[] = [], rows: ScenarioRows[] = [];
  const sScen: number[] = [], sBranch: number[] = [], sSplit: number[] = [], sRow: number[] = [], rowOf: number[] = [];
  const recs: Float32Array[] = [], heads: Float32Array[] = [];
  let after = 0;
  let last: { s: number; id: number } | null = null;
  for (;;) {
    const page = store.datasets.getSamples(id, { afterId: after, limit: PAGE });
    if (page.length === 0) break;
    for (const s of page) {
      const prevId = after;
      after = s.id;
      if (s.branch === 0) {
        if (s.features.length !== SL) throw new DatasetError(`dataset ${id}: scenario ${s.scenario} has ${s.features.length} static features, expected ${SL}`);
        scen.set(s.scenario, scenIds.length);
        scenIds.push(s.scenario);
        scenSplit.push(SPLIT_CODES.indexOf(s.split));
        statics.push(s.features);
        rows.push({ runs: [], samples: [] });
        last = null;
        continue;
      }
      const si = scen.get(s.scenario);
      if (si === undefined) throw new DatasetError(`dataset ${id}: outage sample of scenario ${s.scenario} comes before its scenario row`);
      const lab = labelsOf(s);
      if (lab.length !== LL) throw new DatasetError(`dataset ${id}: sample (${s.scenario}, ${s.branch}) has ${lab.length} labels, expected ${LL}`);
      const sr = rows[si];
      // Consecutive rows of one scenario extend its last run.
      if (last && last.s === si && last.id === prevId) sr.runs[sr.runs.length - 1].count++;
      else sr.runs.push({ afterId: prevId, count: 1 });
      last = { s: si, id: s.id };
      rowOf.push(sr.samples.length);
      sr.samples.push(sScen.length);
      sScen.push(si);
      sBranch.push(s.features[0]);
      sSplit.push(SPLIT_CODES.indexOf(s.split));
      sRow.push(s.branch);
      recs.push(s.features);
      heads.push(lab.slice(0, LH));
    }
  }
  const { ptr: recPtr, data: rec } = raggedRows(recs);
  const head = stackRows(heads, LH);
  const st = stackRows(statics, SL);
  const packed: PackedDataset = {
    nb, nl, src, dst,
    scenarioIds: Int32Array.from(scenIds), scenarioSplit: Uint8Array.from(scenSplit), statics: st,
    sampleScenario: Int32Array.from(sScen), sampleBranch: Int32Array.from(sBranch), sampleSplit: Uint8Array.from(sSplit),
    recPtr, rec, labels: new Float32Array(0), heads: head,
  };
  const largest = Math.max(1, ...rows.map((r) => r.samples.length));
  const scenarioBytes = largest * LL * 4;
  const capacity = Math.max(2, Math.floor(cacheBytes / scenarioBytes));
  // The runs start after the scenario row: a run's afterId is the id before its first outage row.
  return {
    id, caseId, config, sampleRow: Int32Array.from(sRow), packed,
    labels: new ScenarioLabelCache(store, id, packed, rows, Int32Array.from(rowOf), capacity), scenarioBytes,
  };
}
