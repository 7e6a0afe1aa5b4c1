// Build a surrogate dataset: operating scenarios (hours of a change table,
// random load levels drawn inside the load range over which the case's base
// case converges), each solved by AC power flow (an hour that does not
// converge is recorded and skipped; a random draw that does not is recorded
// and drawn again, up to a bound), split by scenario into train / validation
// / test, labelled by the exact N-1 engine on the worker pool and stored in
// SQLite as they finish, labels and records in the compact encodings of
// core/learn/label-codec.ts and record-codec.ts. Also reads a stored dataset
// back in the packed form the trainer uses.

import { basename } from 'node:path';
import type { Case } from '../core/grid/case';
import { acStepFeatureOptions, defaultFeatureOptions, featureOptionsFor, gridSignature, type FeatureOptions, type GridSignature, EDGE_OUTAGE, EDGE_STATIC, NODE_OUTAGE, NODE_STATIC } from '../core/grid/features';
import { parseChangeTable, parseMatpower } from '../core/grid/matpower';
import { runPowerFlow } from '../core/grid/powerflow';
import {
  applyScenario, defaultLevels, defaultVariation, DISPATCH, findLoadRange, hourLoads, hourScenario, LoadRangeError, pickHours, randomScenario,
  type Dispatch, type LoadRange, type LoadRangeOptions, type RandomLoadOptions, type ScenarioKind, type ScenarioSpec,
} from '../core/grid/scenarios';
import { LABEL_HEAD, SPLIT_CODES, labelLength, raggedRows, stackRows, staticLength, type PackedDataset, type SplitName, L_INSECURE, L_ISLANDED } from '../core/learn/grid-data';
import { LABEL_TOLERANCE, labelHeadOf } from '../core/learn/label-codec';
import { Rng } from '../core/learn/rng';
import { defaultWorkers, JobCancelled, runPool } from '../jobs/pool';
import { runOnCluster, type ClusterStatus } from '../jobs/cluster/coordinator';
import { parseRedisUrl, probeRedis } from '../jobs/cluster/redis-url';
import { randomUUID } from 'node:crypto';
import { labelSpec, type LabelEncoding, type LabelledScenario } from '../jobs/dataset-job';
import type { DatasetSample, Store } from '../store';

export class DatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetError';
  }
}

export interface DatasetProgress {
  done: number;
  total: number;
  rate: number;
  etaSeconds: number;
}

export interface DatasetRequest {
  store: Store;
  caseText: string;
  fileName: string;
  /** A MATPOWER change table of load scenarios (e.g. scenarios_ACTIVSg200.m). */
  scenariosText?: string;
  scenariosFile?: string;
  /** How many hours of the table to use (default 40): half among the peak 10%, half spread over the year. */
  hours?: number;
  /** Swap BUS_AREA and ZONE before applying the table; default: when the table's header asks for it. */
  swapAreaZone?: boolean;
  /**
   * Random load scenarios: how many converged ones to produce. Default
   * DEFAULT_RANDOM_SCENARIOS without a table, 0 with one.
   */
  random?: number;
  /** Levels default to the case's load give or take DEFAULT_LEVEL_BAND inside the load range found (defaultLevels); the rest to defaultVariation. */
  randomLoad?: Partial<Omit<RandomLoadOptions, 'dispatch'>>;
  /** How the load range is searched (defaultLoadRange; its dispatch is the random scenarios'). */
  loadRange?: Partial<Omit<LoadRangeOptions, 'dispatch'>>;
  /** How generation follows the load in every scenario (default 'headroom'). */
  dispatch?: Dispatch;
  /**
   * Branch outages labelled per scenario, drawn at random (seeded) for each
   * scenario; default every branch. For a large grid, more operating points
   * with a sample of their outages each teach the network more than every
   * outage of a few points, for the same labelling time.
   */
  outagesPerScenario?: number;
  /** 'compact' (default): label-codec blobs; 'f32': the full vectors, as datasets were stored before. */
  labelEncoding?: LabelEncoding;
  seed?: number;
  name?: string;
  features?: Partial<FeatureOptions>;
  /** Worker threads (0: this thread). Default: all cores. */
  workers?: number;
  /** Label the scenarios on a cluster's workers (BullMQ on Redis), one scenario per chunk, instead of this machine's threads. */
  cluster?: { url: string; onStatus?: (s: ClusterStatus) => void };
  signal?: AbortSignal;
  onProgress?: (p: DatasetProgress) => void;
}

export interface ScenarioInfo {
  id: number;
  kind: ScenarioKind;
  label?: number;
  level?: number;
  totalLoadMW: number;
  split?: SplitName;
  reason?: string;
}

/** How many random scenarios a dataset without a scenario table gets. */
export const DEFAULT_RANDOM_SCENARIOS = 20;

/** Above this many branches, the default dataset labels a sample of each scenario's outages (defaultSampling). */
export const LARGE_GRID_BRANCHES = 1000;

/**
 * The default random scenarios of a grid of `branches`, and the share of
 * each one's branch outages labelled: every outage of 20 operating points,
 * or on a large grid a third of the outages of 60 (the same labelling time).
 * On case_ACTIVSg2000 (not a controlled comparison: 6 epochs against 16),
 * 12 training scenarios of every outage gave a test balanced accuracy of
 * 0.63 at the recall threshold (recall 0.95); 36 of a third each 0.77
 * (recall 0.99), its validation loss falling to the end.
 */
export function defaultSampling(branches: number): { scenarios: number; outageShare: number | null } {
  return branches > LARGE_GRID_BRANCHES ? { scenarios: 3 * DEFAULT_RANDOM_SCENARIOS, outageShare: 1 / 3 } : { scenarios: DEFAULT_RANDOM_SCENARIOS, outageShare: null };
}
/** A random scenario whose base case does not converge is drawn again; at most this many draws per scenario asked for. */
export const DRAWS_PER_SCENARIO = 5;

/** The random scenarios' source in the config: what was asked, what was drawn. */
export interface RandomSource extends RandomLoadOptions {
  count: number;
  /** Draws made (count plus the re-draws of the ones that did not converge). */
  drawn: number;
  /** Converged ones: count, unless the draws ran out. */
  produced: number;
  /** 'range': the default levels within the load range found (defaultLevels); 'given': as asked. */
  levels: 'range' | 'given';
}

/** The load range found, as kept in the config. */
export interface LoadRangeInfo extends Omit<LoadRange, 'probes'> {
  probes: number;
}

/** The dataset's JSON config in the store. */
export interface DatasetConfig {
  format: 'gridrewire-n1-dataset';
  version: 1;
  caseName: string;
  sourceFile: string;
  grid: GridSignature;
  features: FeatureOptions;
  featureNames: { nodeStatic: string[]; nodeOutage: string[]; edgeStatic: string[]; edgeOutage: string[] };
  labelHead: string[];
  sources: { table?: { file: string; hours: number; swapAreaZone: boolean; dispatch?: Dispatch }; random?: RandomSource };
  /** Searched when there are random scenarios (datasets built before it have none). */
  loadRange?: LoadRangeInfo;
  /** Branch outages labelled per scenario when not every one (a random sample each). */
  outagesPerScenario?: number;
  /** How the labels are stored (absent: f32, as before compact labels). */
  labels?: { encoding: LabelEncoding; tolerance?: number };
  scenarios: ScenarioInfo[];
  skipped: ScenarioInfo[];
  [key: string]: unknown;
}

export interface SplitCounts {
  scenarios: number;
  samples: number;
  islanded: number;
  /** Non-islanded outages and how many are insecure. */
  judged: number;
  insecure: number;
}

export interface DatasetOutcome {
  datasetId: number;
  caseId: number;
  scenarios: number;
  skipped: ScenarioInfo[];
  /** The load range found and the random draws (when there are random scenarios). */
  loadRange?: LoadRangeInfo;
  random?: RandomSource;
  samples: number;
  splits: Record<SplitName, SplitCounts>;
  /** Bytes of the stored feature and label blobs (SQLite's pages add their overhead). */
  stored: { features: number; labels: number };
  seconds: number;
  workers: number;
  cancelled: boolean;
}

/** The header of scenarios_ACTIVSg200 says the table needs BUS_AREA and ZONE swapped. */
export function tableAsksForSwap(text: string): boolean {
  return /swap\w*[\s%]+the[\s%]+BUS_AREA[\s%]+and[\s%]+ZONE/i.test(text);
}

/**
 * Split converged scenarios by load: sorted by total load, in blocks of five
 * shuffled three to train, one to validation, one to test, so every split
 * spans light and peak hours; a last partial block goes train, val, test, train.
 */
export function splitScenarios(scenarios: readonly { id: number; totalLoadMW: number }[], rng: Rng): Map<number, SplitName> {
  const sorted = [...scenarios].sort((a, b) => a.totalLoadMW - b.totalLoadMW || a.id - b.id);
  const out = new Map<number, SplitName>();
  const full: SplitName[] = ['train', 'train', 'train', 'val', 'test'];
  const partial: SplitName[] = ['train', 'val', 'test', 'train'];
  for (let b = 0; b < sorted.length; b += 5) {
    // Shuffled through its positions: the same swaps as shuffling the block itself.
    const order = rng.shuffle(Int32Array.from({ length: Math.min(5, sorted.length - b) }, (_, j) => j));
    const block = Array.from(order, (j) => sorted[b + j]);
    const pattern = block.length === 5 ? full : partial;
    block.forEach((s, j) => out.set(s.id, pattern[j]));
  }
  return out;
}

/** `count` of the branch indices 0..nl-1, drawn without replacement, ascending. */
export function sampleOutages(nl: number, count: number, rng: Rng): number[] {
  const ks = Array.from({ length: nl }, (_, k) => k);
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(nl - i);
    const t = ks[i]; ks[i] = ks[j]; ks[j] = t;
  }
  return ks.slice(0, count).sort((a, b) => a - b);
}

export async function buildDataset(req: DatasetRequest): Promise<DatasetOutcome> {
  const t0 = performance.now();
  const seed = req.seed ?? 1;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new DatasetError(`seed must be a non-negative integer, got ${seed}`);
  const dispatch = req.dispatch ?? defaultVariation.dispatch;
  if (!DISPATCH.includes(dispatch)) throw new DatasetError(`dispatch must be one of ${DISPATCH.join(', ')}, got '${dispatch}'`);
  const labelEncoding = req.labelEncoding ?? 'compact';
  if (labelEncoding !== 'compact' && labelEncoding !== 'f32') throw new DatasetError(`label encoding must be 'compact' or 'f32', got '${labelEncoding}'`);
  if (req.random !== undefined && (!Number.isInteger(req.random) || req.random < 0)) throw new DatasetError(`--random needs a whole number, got ${req.random}`);
  if (!req.scenariosText && req.random === 0) throw new DatasetError('nothing to build: give a scenario table (--scenarios) and/or random scenarios (--random N)');
  const asked = req.outagesPerScenario;
  if (asked !== undefined && (!Number.isInteger(asked) || asked < 1)) throw new DatasetError(`--outages needs a whole number of at least 1, got ${asked}`);
  checkRandomLoad(req.randomLoad);
  const base = parseMatpower(req.caseText, req.fileName);
  // The estimate asked for, else the grid size's (features.ts featureOptionsFor).
  const estimate = req.features?.estimate;
  const features: FeatureOptions = { ...(estimate === 'ac-step' ? acStepFeatureOptions : estimate === 'dc' ? defaultFeatureOptions : featureOptionsFor(base.branch.length)), ...req.features };
  // Nothing said about the scenarios: the defaults for the grid's size.
  const sampling = !req.scenariosText && req.random === undefined && asked === undefined ? defaultSampling(base.branch.length) : null;
  const nRandom = req.random ?? (req.scenariosText ? 0 : sampling!.scenarios);

  const root = new Rng(seed);
  const hoursRng = root.fork(), randomRng = root.fork(), splitRng = root.fork();
  const { table, ok, skipped, grid, loadRange, random } = planScenarios(base, req, { nRandom, dispatch, hoursRng, randomRng });
  const perScenario = asked ?? (sampling?.outageShare ? Math.ceil(base.branch.length * sampling.outageShare) : undefined);
  // Forked after the others, so that datasets of every outage keep the draws they had.
  if (perScenario !== undefined && perScenario < grid.nl) {
    const outageRng = root.fork();
    for (const s of ok) s.outages = sampleOutages(grid.nl, perScenario, outageRng);
  }
  const outagesEach = Math.min(perScenario ?? grid.nl, grid.nl);
  const split = splitScenarios(ok.map((s) => ({ id: s.id, totalLoadMW: s.totalLoadMW })), splitRng);
  const config: DatasetConfig = {
    format: 'gridrewire-n1-dataset',
    version: 1,
    caseName: base.name,
    sourceFile: req.fileName,
    grid,
    features,
    featureNames: { nodeStatic: [...NODE_STATIC], nodeOutage: [...NODE_OUTAGE], edgeStatic: [...EDGE_STATIC], edgeOutage: [...EDGE_OUTAGE] },
    labelHead: [...LABEL_HEAD],
    sources: {
      ...(table ? { table: table.source } : {}),
      ...(random ? { random } : {}),
    },
    ...(loadRange ? { loadRange } : {}),
    ...(outagesEach < grid.nl ? { outagesPerScenario: outagesEach } : {}),
    labels: labelEncoding === 'compact' ? { encoding: 'compact', tolerance: LABEL_TOLERANCE } : { encoding: 'f32' },
    scenarios: ok.map((s) => ({ ...info(s), split: splitOf(split, s.id) })),
    skipped,
  };

  // A Redis that is not there is said before any dataset is recorded.
  if (req.cluster) await probeRedis(parseRedisUrl(req.cluster.url));
  const store = req.store;
  const caseId = store.cases.import({ text: req.caseText, parsed: base, sourceFile: req.fileName }).id;
  const perSplit = (name: SplitName) => ok.filter((s) => split.get(s.id) === name).length;
  const datasetId = store.datasets.create({
    caseId,
    name: req.name ?? `${base.name} N-1 (${ok.length} scenarios, seed ${seed})`,
    config,
    seed,
    // Sizes count branch outages per split (one stored sample each).
    sizes: { train: perSplit('train') * outagesEach, val: perSplit('val') * outagesEach, test: perSplit('test') * outagesEach },
  });

  const writer = new SampleWriter(store, datasetId, split, ok.map((s) => s.id), t0, req.onProgress);
  const { workers, cancelled } = await labelScenarios(base, ok, features, labelEncoding, req, writer);
  writer.finish();
  if (!cancelled) store.datasets.markDone(datasetId);
  const counts = writer.counts;
  return {
    datasetId, caseId, scenarios: ok.length, skipped, ...(loadRange ? { loadRange } : {}), ...(random ? { random } : {}),
    samples: counts.train.samples + counts.val.samples + counts.test.samples,
    splits: counts, stored: storedBytes(store, datasetId), seconds: (performance.now() - t0) / 1000, workers, cancelled,
  };
}

export interface ScenarioPlan {
  table: { specs: ScenarioSpec[]; source: { file: string; hours: number; swapAreaZone: boolean; dispatch: Dispatch } } | null;
  /** Scenarios whose base case converges, in id order within each source. */
  ok: ScenarioSpec[];
  skipped: ScenarioInfo[];
  grid: GridSignature;
  loadRange?: LoadRangeInfo;
  random?: RandomSource;
}

/**
 * The operating scenarios of a dataset, each base case solved: the table's
 * hours (those that do not converge skipped), then, with random scenarios,
 * the load range search and the draws inside it (re-drawn when they do not
 * converge, up to DRAWS_PER_SCENARIO per scenario asked for).
 */
export function planScenarios(
  base: Case, req: Pick<DatasetRequest, 'scenariosText' | 'scenariosFile' | 'hours' | 'swapAreaZone' | 'randomLoad' | 'loadRange'>,
  o: { nRandom: number; dispatch: Dispatch; hoursRng: Rng; randomRng: Rng },
): ScenarioPlan {
  const table = req.scenariosText ? tableScenarios(base, req, req.scenariosText, o.hoursRng, o.dispatch) : null;
  const solved = new BaseCases(base);
  for (const s of table?.specs ?? []) solved.add(s);
  let loadRange: LoadRangeInfo | undefined, random: RandomSource | undefined;
  if (o.nRandom > 0) {
    const range = searchLoadRange(base, req, o.dispatch);
    loadRange = { ...range, probes: range.probes.length };
    random = drawRandom(base, req, range, o.nRandom, o.randomRng, solved, (table?.specs.length ?? 0) + 1);
  }
  return { table, ok: solved.ok, skipped: solved.skipped, grid: solved.grid(), ...(loadRange ? { loadRange } : {}), ...(random ? { random } : {}) };
}

function storedBytes(store: Store, id: number): { features: number; labels: number } {
  const b = store.datasets.storedBytes(id);
  return { features: b.features, labels: b.labels };
}

function checkRandomLoad(o: DatasetRequest['randomLoad'] = {}): void {
  for (const k of ['levelMin', 'levelMax'] as const) {
    const v = o[k];
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw new DatasetError(`random load: ${k === 'levelMin' ? 'level min' : 'level max'} must be a positive number, got ${v}`);
  }
  for (const k of ['regionNoise', 'noise'] as const) {
    const v = o[k];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new DatasetError(`random load: ${k === 'noise' ? 'noise' : 'region noise'} must be a number >= 0, got ${v}`);
  }
  if (o.levelMin !== undefined && o.levelMax !== undefined && o.levelMax < o.levelMin) {
    throw new DatasetError(`random load needs level min <= level max, got ${o.levelMin} > ${o.levelMax}`);
  }
}

/** The load range over which the base case converges, every load scaled alike and generation redispatched. */
function searchLoadRange(base: Case, req: Pick<DatasetRequest, 'loadRange'>, dispatch: Dispatch): LoadRange {
  try {
    return findLoadRange(base, { ...req.loadRange, dispatch });
  } catch (e) {
    if (e instanceof LoadRangeError || e instanceof RangeError) throw new DatasetError(e.message);
    throw e;
  }
}

/**
 * Random scenarios until `count` converge or DRAWS_PER_SCENARIO x count were
 * drawn; each draw that does not converge is recorded as skipped. Levels not
 * given are the defaults within the range found; given levels are used as
 * they are (a draw beyond the range is then re-drawn like any other).
 */
function drawRandom(base: Case, req: Pick<DatasetRequest, 'randomLoad'>, range: LoadRange, count: number, rng: Rng, solved: BaseCases, firstId: number): RandomSource {
  const given = req.randomLoad ?? {};
  const auto = defaultLevels(range);
  const levelMin = given.levelMin ?? Math.min(auto.levelMin, given.levelMax ?? Infinity);
  const levelMax = given.levelMax ?? Math.max(auto.levelMax, levelMin);
  const o: RandomLoadOptions = {
    levelMin, levelMax,
    regionNoise: given.regionNoise ?? defaultVariation.regionNoise,
    noise: given.noise ?? defaultVariation.noise,
    dispatch: range.dispatch,
  };
  let drawn = 0, produced = 0;
  while (produced < count && drawn < DRAWS_PER_SCENARIO * count) {
    const spec = randomScenario(base, firstId + drawn, rng, o);
    drawn++;
    if (solved.add(spec)) produced++;
  }
  return { count, drawn, produced, ...o, levels: given.levelMin === undefined && given.levelMax === undefined ? 'range' : 'given' };
}

/** The hours picked from the change table (half among the peak 10%, half spread over the year). */
function tableScenarios(base: Case, req: Pick<DatasetRequest, 'scenariosFile' | 'hours' | 'swapAreaZone'>, text: string, rng: Rng, dispatch: Dispatch): { specs: ScenarioSpec[]; source: { file: string; hours: number; swapAreaZone: boolean; dispatch: Dispatch } } {
  const table = parseChangeTable(text, req.scenariosFile ? basename(req.scenariosFile) : 'scenarios.m');
  const swap = req.swapAreaZone ?? tableAsksForSwap(text);
  const hours = req.hours ?? 40;
  if (!Number.isInteger(hours) || hours < 1) throw new DatasetError(`--hours needs a whole number of at least 1, got ${hours}`);
  const specs: ScenarioSpec[] = [];
  for (const label of pickHours(hourLoads(base, table, swap), hours, rng)) specs.push(hourScenario(base, table, label, swap, specs.length + 1, dispatch));
  return { specs, source: { file: req.scenariosFile ? basename(req.scenariosFile) : table.name, hours, swapAreaZone: swap, dispatch } };
}

function info(s: ScenarioSpec): ScenarioInfo {
  return { id: s.id, kind: s.kind, ...(s.label !== undefined ? { label: s.label } : {}), ...(s.level !== undefined ? { level: s.level } : {}), totalLoadMW: s.totalLoadMW };
}

function splitOf(split: Map<number, SplitName>, id: number): SplitName {
  const sp = split.get(id);
  if (sp === undefined) throw new DatasetError(`scenario ${id} has no split`);
  return sp;
}

/** Each scenario's base case, solved: the converged ones go on, the others are recorded as skipped. */
class BaseCases {
  readonly ok: ScenarioSpec[] = [];
  readonly skipped: ScenarioInfo[] = [];
  private signature: GridSignature | null = null;

  constructor(private readonly base: Case) {}

  /** True when the scenario's base case converges. */
  add(s: ScenarioSpec): boolean {
    const pf = runPowerFlow(applyScenario(this.base, s));
    if (!pf.converged) {
      this.skipped.push({ ...info(s), reason: `base case does not converge (${pf.status} after ${pf.iterations} iterations)` });
      return false;
    }
    this.signature ??= gridSignature(pf.internal.net);
    this.ok.push(s);
    return true;
  }

  grid(): GridSignature {
    if (!this.signature) throw new DatasetError(`none of the ${this.skipped.length} scenarios converges: nothing to label`);
    return this.signature;
  }
}

/** Stores each labelled scenario as it arrives (one transaction each), counting per split. */
/**
 * Stores labelled scenarios in the plan's order, whatever order the workers
 * finish them in: a scenario that comes early waits (in memory) for the
 * ones before it. Training reads samples in stored order (batches, the
 * normaliser's sums), so the same seed gives the same stored dataset, row
 * for row, and the same model (on 2 threads case_ACTIVSg2000's scenarios
 * came back in another order each time, and so did its model).
 */
export class SampleWriter {
  readonly counts: Record<SplitName, SplitCounts> = {
    train: { scenarios: 0, samples: 0, islanded: 0, judged: 0, insecure: 0 },
    val: { scenarios: 0, samples: 0, islanded: 0, judged: 0, insecure: 0 },
    test: { scenarios: 0, samples: 0, islanded: 0, judged: 0, insecure: 0 },
  };
  private done = 0;
  /** Position in the plan of the next scenario to store. */
  private next = 0;
  private readonly waiting = new Map<number, LabelledScenario>();

  constructor(
    private readonly store: Store,
    private readonly datasetId: number,
    private readonly split: Map<number, SplitName>,
    /** Scenario ids in the plan's order. */
    private readonly order: number[],
    private readonly t0: number,
    private readonly onProgress?: (p: DatasetProgress) => void,
  ) {}

  write(r: LabelledScenario): void {
    this.waiting.set(r.id, r);
    while (this.next < this.order.length && this.waiting.has(this.order[this.next])) {
      const id = this.order[this.next++];
      this.store1(this.waiting.get(id)!);
      this.waiting.delete(id);
    }
    this.done++;
    if (this.onProgress) {
      const s = (performance.now() - this.t0) / 1000, rate = this.done / Math.max(s, 1e-9);
      this.onProgress({ done: this.done, total: this.order.length, rate, etaSeconds: (this.order.length - this.done) / rate });
    }
  }

  /** Stores what still waits (a cancelled build: the scenarios after a gap), in the plan's order. */
  finish(): void {
    for (const id of this.order) {
      const r = this.waiting.get(id);
      if (r) this.store1(r);
    }
    this.waiting.clear();
  }

  private store1(r: LabelledScenario): void {
    const sp = splitOf(this.split, r.id);
    const rows: DatasetSample[] = [{ scenario: r.id, branch: 0, split: sp, features: r.static, labels: Float32Array.of(r.base.iterations, r.base.maxLoading, r.base.nOverloads, r.base.nVoltageViolations) }];
    const c = this.counts[sp];
    c.scenarios++;
    for (const o of r.outages) {
      rows.push({ scenario: r.id, branch: o.row, split: sp, features: o.record, labels: o.labels });
      c.samples++;
      const head = o.labels instanceof Float32Array ? o.labels : labelHeadOf(o.labels);
      if (head[L_ISLANDED]) c.islanded++;
      else { c.judged++; if (head[L_INSECURE]) c.insecure++; }
    }
    this.store.datasets.appendSamples(this.datasetId, rows);
  }
}

/** Labels every scenario, in this thread (0 or 1 worker) or on the pool; cancel keeps what is stored. */
async function labelScenarios(
  base: Case, ok: ScenarioSpec[], features: FeatureOptions, labelEncoding: LabelEncoding, req: DatasetRequest, writer: SampleWriter,
): Promise<{ workers: number; cancelled: boolean }> {
  if (req.cluster) {
    // Each scenario once: a redelivered chunk (its worker died) completes once, and the store ignores a sample it has.
    const init = { caseText: req.caseText, fileName: req.fileName, features, labelEncoding };
    try {
      await runOnCluster({
        url: req.cluster.url, job: 'dataset', init, runKey: randomUUID(), chunks: ok.map((s) => ({ place: `s${s.id}`, chunk: s })),
        signal: req.signal, onStatus: req.cluster.onStatus, onResult: (r) => writer.write(r),
      });
      return { workers: 0, cancelled: false };
    } catch (e) {
      if (e instanceof JobCancelled) return { workers: 0, cancelled: true };
      throw e;
    }
  }
  const workers = Math.max(0, Math.min(req.workers ?? defaultWorkers(), ok.length));
  if (workers <= 1) {
    for (const s of ok) {
      if (req.signal?.aborted) return { workers: 0, cancelled: true };
      writer.write(labelSpec(base, s, features, labelEncoding));
      await new Promise<void>((r) => setImmediate(r));
    }
    return { workers: 0, cancelled: false };
  }
  try {
    await runPool({ job: 'dataset', init: { caseText: req.caseText, fileName: req.fileName, features, labelEncoding }, chunks: ok, workers, signal: req.signal, onResult: (r) => writer.write(r) });
    return { workers, cancelled: false };
  } catch (e) {
    if (e instanceof JobCancelled) return { workers, cancelled: true };
    throw e;
  }
}

// ---- reading a dataset back --------------------------------------------------

export interface LoadedDataset {
  id: number;
  caseId: number;
  config: DatasetConfig;
  packed: PackedDataset;
  /** Case branch row (1-based) of each sample. */
  sampleRow: Int32Array;
}

export function datasetConfig(store: Store, id: number): { caseId: number; config: DatasetConfig } {
  const d = store.datasets.get(id);
  if (!d) throw new DatasetError(`dataset ${id} is not in ${store.path}`);
  const config = d.config as DatasetConfig;
  if (config?.format !== 'gridrewire-n1-dataset') throw new DatasetError(`dataset ${id} is not an N-1 surrogate dataset (built by 'gridrewire dataset')`);
  if (d.status !== 'done') throw new DatasetError(`dataset ${id} was not finished (its build was cancelled or killed); build it again`);
  return { caseId: d.caseId, config };
}

/** Reads every sample of a dataset into the packed form. */
export function loadDataset(store: Store, id: number): LoadedDataset {
  const { caseId, config } = datasetConfig(store, id);
  const { nb, nl } = config.grid;
  const busIndex = new Map(config.grid.bus.map((b, i) => [b, i]));
  const src = Int32Array.from(config.grid.from, (b) => busIndex.get(b)!);
  const dst = Int32Array.from(config.grid.to, (b) => busIndex.get(b)!);
  const scen = new Map<number, number>();
  const scenIds: number[] = [], scenSplit: number[] = [];
  const statics: Float32Array[] = [];
  const sScen: number[] = [], sBranch: number[] = [], sSplit: number[] = [], sRow: number[] = [];
  const recs: Float32Array[] = [], labels: Float32Array[] = [];
  const SL = staticLength(nb, nl), LL = labelLength(nb, nl);
  // Scenario rows come first within each scenario (stored in one transaction each).
  let after = 0;
  for (;;) {
    const page = store.datasets.getSamples(id, { afterId: after, limit: 4096 });
    if (page.length === 0) break;
    after = page[page.length - 1].id;
    for (const s of page) {
      if (s.branch === 0) {
        if (s.features.length !== SL) throw new DatasetError(`dataset ${id}: scenario ${s.scenario} has ${s.features.length} static features, expected ${SL}`);
        scen.set(s.scenario, scenIds.length);
        scenIds.push(s.scenario);
        scenSplit.push(SPLIT_CODES.indexOf(s.split));
        statics.push(s.features);
        continue;
      }
      const si = scen.get(s.scenario);
      if (si === undefined) throw new DatasetError(`dataset ${id}: outage sample of scenario ${s.scenario} comes before its scenario row`);
      if (s.labels.length !== LL) throw new DatasetError(`dataset ${id}: sample (${s.scenario}, ${s.branch}) has ${s.labels.length} labels, expected ${LL}`);
      sScen.push(si);
      sBranch.push(s.features[0]);
      sSplit.push(SPLIT_CODES.indexOf(s.split));
      sRow.push(s.branch);
      recs.push(s.features);
      labels.push(s.labels);
    }
  }
  const { ptr: recPtr, data: rec } = raggedRows(recs);
  const lab = stackRows(labels, LL);
  const st = stackRows(statics, SL);
  return {
    id, caseId, config, sampleRow: Int32Array.from(sRow),
    packed: {
      nb, nl, src, dst,
      scenarioIds: Int32Array.from(scenIds), scenarioSplit: Uint8Array.from(scenSplit), statics: st,
      sampleScenario: Int32Array.from(sScen), sampleBranch: Int32Array.from(sBranch), sampleSplit: Uint8Array.from(sSplit),
      recPtr, rec, labels: lab,
    },
  };
}

/** Split counts of a packed dataset (scenarios, samples, islanded, insecure among the rest). */
export function splitCounts(p: PackedDataset): Record<SplitName, SplitCounts> {
  const LL = labelLength(p.nb, p.nl);
  const out = Object.fromEntries(SPLIT_CODES.map((s) => [s, { scenarios: 0, samples: 0, islanded: 0, judged: 0, insecure: 0 }])) as Record<SplitName, SplitCounts>;
  p.scenarioSplit.forEach((c) => out[SPLIT_CODES[c]].scenarios++);
  for (let i = 0; i < p.sampleSplit.length; i++) {
    const c = out[SPLIT_CODES[p.sampleSplit[i]]];
    c.samples++;
    if (p.labels[i * LL + L_ISLANDED]) c.islanded++;
    else { c.judged++; if (p.labels[i * LL + L_INSECURE]) c.insecure++; }
  }
  return out;
}
