// The shapes the store hands out and takes in. Everything here is plain data.

import type { ContingencyKind, Verdict } from '../core/grid/contingency-types';
import type { ExactReasons } from '../core/report/types';
import type { StoredArray } from './blob';

/** Status of a long job. 'interrupted': its process died while 'running'
 *  (found by markStaleRunsInterrupted); it can be resumed like 'cancelled'. */
export type JobStatus = 'running' | 'interrupted' | 'cancelled' | 'failed' | 'done';

/** JSON-compatible options (NaN and Infinity survive too; see json.ts). */
export type JsonObject = { [key: string]: unknown };

// ---- cases ---------------------------------------------------------------

export interface CaseSummary {
  id: number;
  hash: string;
  name: string;
  sourceFile: string | null;
  nbus: number;
  nbranch: number;
  ngen: number;
  importedAt: string;
}

export interface ImportResult {
  id: number;
  /** false when the same content was already stored (the existing id is returned). */
  created: boolean;
}

// ---- change tables and scenarios -------------------------------------------

export type ChangeSetKind = 'scenarios' | 'contingencies';

export interface ChangeSetSummary {
  id: number;
  hash: string;
  kind: ChangeSetKind;
  name: string;
  caseId: number | null;
  sourceFile: string | null;
  importedAt: string;
}

// ---- layouts -----------------------------------------------------------------

export interface NodePosition {
  /** External bus number. */
  bus: number;
  x: number;
  y: number;
}

// ---- N-1 runs ------------------------------------------------------------------

/** What the N-1 engine is asked to compute; stored with the run so that a
 *  resume computes exactly the same thing. */
/** A verified screen's settings and split, as run (see services/screen.ts). */
export interface ScreenRunConfig {
  modelId: number;
  /** The model's decision threshold on P(insecure). */
  threshold: number;
  /** Outages with P(insecure) >= threshold - band go to the exact engine. */
  band: number;
  /** Outages solved exactly (flagged or in the band; islanded ones too in screens stored before schema 6). */
  exact: number;
  /** Outages that keep the surrogate's verdict. */
  surrogate: number;
  /** Islanded outages decided by topology, not solved (absent before schema 6: they were solved). */
  topology?: number;
  /** Why each exact outage was solved; the three sum to `exact` (absent in screens stored before it was kept). */
  why?: ExactReasons;
}

export type N1RunMode = 'ac' | 'dc' | 'screen';

export interface N1RunConfig {
  caseId: number;
  mode: N1RunMode;
  kind: ContingencyKind;
  /** 1-based case rows (branch or gen rows) to outage, one contingency each. */
  elements: number[];
  /** Engine options, e.g. { enforceQLimits: false, slack: 'reference' }. */
  options: JsonObject;
  /** A run solved on a cluster: its queue key and outages per chunk (a resumed session's chunks keep their job ids). */
  cluster?: { key: string; chunk: number };
  /** Mode 'screen' only. */
  screen?: ScreenRunConfig;
}

export type VerdictCounts = Record<Verdict, number>;

export interface N1RunSummary {
  id: number;
  caseId: number;
  caseName: string;
  mode: N1RunMode;
  kind: ContingencyKind;
  status: JobStatus;
  total: number;
  done: number;
  counts: VerdictCounts;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
  seconds: number | null;
  error: string | null;
  ownerPid: number | null;
  /** The machine of its latest session (host, CPU, cores, platform); null for runs stored before it was recorded. */
  machine: string | null;
  /** 'running' but its process is gone: shown as interrupted; markStaleRunsInterrupted records it. */
  stale: boolean;
}

export interface N1Run extends N1RunSummary {
  config: N1RunConfig;
}

export interface RecordQuery {
  /** 'severity': worst first (ties by element); 'element': by case row. */
  orderBy?: 'severity' | 'element';
  verdicts?: readonly Verdict[];
  limit?: number;
  offset?: number;
}

// ---- datasets ------------------------------------------------------------------

export type Split = 'train' | 'val' | 'test';

export interface DatasetInput {
  caseId: number;
  name: string;
  config: JsonObject;
  seed: number;
  sizes: { train: number; val: number; test: number };
}

export interface DatasetSummary extends DatasetInput {
  id: number;
  status: 'building' | 'done';
  createdAt: string;
  samples: number;
}

export interface DatasetSample {
  scenario: number;
  /** 1-based outaged branch row. */
  branch: number;
  split: Split;
  /** The feature vector, or a compact record blob of it (core/learn/record-codec.ts, stored as it is). */
  features: Float32Array | Uint8Array;
  /**
   * The full label vector, or a compact label blob of it (core/learn/label-codec.ts:
   * encoded against the scenario's static row, stored as it is). Read back,
   * labels are always the full vector.
   */
  labels: Float32Array | Uint8Array;
}

export interface StoredSample extends Omit<DatasetSample, 'labels' | 'features'> {
  id: number;
  features: Float32Array;
  labels: Float32Array;
}

export interface SampleQuery {
  split?: Split;
  /** Keyset paging: only samples with id > afterId, in id order. */
  afterId?: number;
  limit?: number;
}

// ---- models, training ------------------------------------------------------------

export type Tensors = Map<string, StoredArray>;

export interface ModelInput {
  name: string;
  config: JsonObject;
  tensors: ReadonlyMap<string, StoredArray> | { readonly [name: string]: StoredArray };
  metrics?: JsonObject | null;
  datasetId?: number | null;
  trainingRunId?: number | null;
}

export interface ModelSummary {
  id: number;
  name: string;
  config: JsonObject;
  metrics: JsonObject | null;
  datasetId: number | null;
  trainingRunId: number | null;
  createdAt: string;
  updatedAt: string;
  /** Tensor names and sizes in bytes (without loading them). */
  tensors: { name: string; bytes: number }[];
}

export interface TrainingInput {
  datasetId?: number | null;
  config: JsonObject;
  epochs: number;
}

export interface EpochMetrics {
  epoch: number;
  loss: number;
  valMetrics: JsonObject;
  density: number;
  /** Rewiring rate used this epoch (0 when rewiring is frozen or off). */
  zeta: number;
  pruned: number;
  regrown: number;
  seconds: number;
}

export interface Checkpoint {
  epoch: number;
  /** Optimizer step, RNG state, best-so-far metrics ... */
  state: JsonObject;
  tensors: ReadonlyMap<string, StoredArray> | { readonly [name: string]: StoredArray };
}

/** One sparse layer's connections: sorted positions o * nIn + i. */
export interface LayerMask {
  layer: string;
  nIn: number;
  nOut: number;
  positions: Int32Array;
}

/** The masks of a run's sparse layers after one epoch (0: as the run started). */
export interface EpochMasks {
  epoch: number;
  layers: LayerMask[];
}

export interface StoredCheckpoint {
  epoch: number;
  state: JsonObject;
  tensors: Tensors;
}

export interface TrainingRunSummary {
  id: number;
  datasetId: number | null;
  config: JsonObject;
  status: JobStatus;
  epochs: number;
  epochsDone: number;
  checkpointEpoch: number | null;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
  seconds: number | null;
  error: string | null;
  ownerPid: number | null;
  /** 'running' but its process is gone (see N1RunSummary.stale). */
  stale: boolean;
}

// ---- results and reports -----------------------------------------------------------

export type ModelResultKind = 'explanation' | 'fidelity' | 'robustness' | 'compression' | 'graphon';

export interface ModelResult {
  id: number;
  modelId: number;
  kind: ModelResultKind;
  key: string;
  doc: unknown;
  createdAt: string;
}

export type ReportKind = 'html' | 'pdf' | 'csv' | 'xlsx' | 'json';

export interface ReportInput {
  kind: ReportKind;
  fileName: string;
  /** The exported file itself, or ... */
  bytes?: Uint8Array;
  /** ... where it was written (when it is not kept in the database). */
  path?: string;
  source?: JsonObject;
  /** The N-1 run it reports on. */
  runId?: number | null;
}

export interface ReportSummary {
  id: number;
  kind: ReportKind;
  fileName: string;
  path: string | null;
  size: number;
  hasBytes: boolean;
  source: JsonObject | null;
  /** The N-1 run it reports on (null when none, or once that run is deleted). */
  runId: number | null;
  createdAt: string;
}
