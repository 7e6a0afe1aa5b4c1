// The one typed contract between the renderer and the main process. The
// Electron adapter (index.ts) and the loopback server (server.ts) both
// dispatch to `createHandlers`, after validating each request against the
// method's zod schema below; the request types are inferred from those
// schemas. The renderer imports only the types from this file (`import type`),
// the preload bridge only the method names (api-methods.ts).

import { z } from 'zod';
import { API_METHODS, type ApiMethod } from './api-methods';
import { firstIssue } from './schema-errors';
import { REGROW_RULES, type RegrowRule } from './core/learn/rewire';
import { TOPOLOGY_METHODS, type TopologyMethod } from './core/learn/schedule';
import { PERTURBATIONS, type Perturbation } from './core/learn/studies/perturb';
import { QUANTIZATIONS, type Quantization } from './core/learn/studies/compress';
import { REPORT_FORMATS, type ExactReasons, type ReportFormat } from './core/report/types';
import type { Verdict } from './core/grid/contingency-types';

export { API_METHODS, isApiMethod, type ApiMethod } from './api-methods';

export interface CaseInfo {
  /** How requests address this case: the bundled case's name (e.g. 'case30'), or 'stored:<id>' for a case imported into the store. */
  key: string;
  name: string;
  /** Bundled with the app (resources/cases), or imported into the store. */
  source: 'bundled' | 'stored';
  /** Its id in the store, once it is there. */
  storedId: number | null;
  file: string;
  buses: number;
  branches: number;
  gens: number;
  /** When it was imported into the store (ISO time); null for a bundled case. */
  importedAt: string | null;
}

/** A change table kept with a case: load scenarios or a contingency list. */
export interface ChangeTableInfo {
  id: number;
  name: string;
  kind: 'scenarios' | 'contingencies';
  file: string;
  importedAt: string;
}

/** What a case's deletion takes with it (models stay, without their dataset). */
export interface CaseDependentsView {
  n1Runs: number;
  datasets: number;
  changeSets: number;
  layoutBuses: number;
  models: number;
}

export interface ImportedFileView {
  kind: 'case' | 'changeTable';
  case: CaseInfo;
  changeTable: ChangeTableInfo | null;
  /** False when the same content was already stored. */
  created: boolean;
}

export interface GridGraph {
  name: string;
  baseMVA: number;
  /**
   * Per case bus row. vm, va: the case file's voltage (p.u., degrees); area,
   * zone as the file numbers them; gs, bs: shunt MW, MVAr at 1 p.u.
   */
  buses: {
    id: number; type: number; pd: number; qd: number; vmax: number; vmin: number; baseKV: number; name?: string;
    vm?: number; va?: number; area?: number; zone?: number; gs?: number; bs?: number;
  }[];
  /** Per case branch row. r, x, b in p.u.; rateB, rateC in MVA (0 = unlimited); ratio 0 for a line; shift in degrees. */
  branches: {
    row: number; from: number; to: number; rateA: number; inService: boolean;
    r?: number; x?: number; b?: number; rateB?: number; rateC?: number; ratio?: number; shift?: number;
  }[];
  /** Per case generator row; qg in MVAr, pmax in MW. */
  gens: { row: number; bus: number; pg: number; inService: boolean; qg?: number; pmax?: number }[];
  /** Saved map positions (bus number -> x, y), when this case was laid out before or its file has bus coordinates. */
  layout: { bus: number; x: number; y: number }[] | null;
  /** Where `layout` comes from: the case file's coordinates or the store; null when there is none yet (ask mapLayout). */
  layoutSource?: 'case' | 'stored' | null;
}

/** The map layout of a case: ready, or being computed in the main process. */
export interface MapLayoutView {
  /** case: the file's bus coordinates; stored: kept in the store; computed: laid out now (stored when final). */
  source: 'case' | 'stored' | 'computed';
  /** computing: no positions yet; draft: a first layout, a better one follows; done: final; failed: see error. */
  status: 'computing' | 'draft' | 'done' | 'failed';
  /** Share of the computation done, 0..1 (1 once done). */
  progress: number;
  /** What the computation is doing, e.g. 'coarse level 3 of 11'. */
  stage: string;
  /** Grows with each better layout; positions come only when newer than the request's `since`. */
  version: number;
  /** Per bus; null while computing, or when the request's `since` is this version already. */
  positions: { bus: number; x: number; y: number }[] | null;
  /** Seconds since the computation started (0 for a case or stored layout). */
  seconds: number;
  /** Why the case's coordinates or the store were not used, or where the layout could not be kept; null when nothing to say. */
  note: string | null;
  error?: string;
}

export interface PowerFlowSummary {
  mode: 'ac' | 'dc';
  converged: boolean;
  status: string;
  iterations: number;
  mismatch: number;
  milliseconds: number;
  /** Per case row; empty when the solve did not converge (its last iterate is no solution). */
  vm: number[];
  va: number[];
  loading: (number | null)[];
  pf: number[];
  qf: number[];
}

export interface BackendInfo {
  version: string;
  learningBackend: string;
  learningBackendNote: string;
  /** Every learning backend as `gridrewire backends` lists it: loaded or why not, and its device. */
  learningBackends: { name: string; loaded: boolean; device: string | null; note: string }[];
  /** Kernels of incremental surrogate inference and the DC screen: WebAssembly SIMD, scalar WebAssembly or TypeScript. */
  inferenceKernels: string;
  node: string;
  platform: string;
}

/** The cluster the app sends N-1 runs to (BullMQ on Redis), when one is configured (GRIDREWIRE_REDIS). */
export interface ClusterInfo {
  configured: boolean;
  /** The Redis URL with its password masked. */
  url: string | null;
  redisVersion: string | null;
  /** Workers connected to the queue now. */
  workers: { name: string; addr: string; ageSeconds: number }[];
  /** Why the cluster cannot be reached, if it cannot. */
  error: string | null;
}

/** The spec's verdicts: one definition (contingency-types.ts), re-exported for the renderer. */
export type { Verdict };

export interface ContingencyView {
  branch?: number; gen?: number; from: number; to: number; verdict: Verdict; severity: number;
  converged: boolean; iterations: number; islanded: boolean; cutBuses: number; lostLoadMW: number; lostGenMW: number;
  maxLoading: number; nOverloads: number; worstBranch: number | null; minVm: number; maxVm: number; nVoltageViolations: number;
  /** Verified screens: 'surrogate' where the surrogate's verdict was kept (nothing solved), with its P(insecure); 'topology' for islanded outages decided without solving (no flows: maxLoading, minVm, maxVm null). */
  judgedBy?: 'exact' | 'surrogate' | 'topology';
  probability?: number | null;
}

/** How a verified screen split its outages (n1 --mode screen). */
export interface ScreenView {
  modelId: number;
  threshold: number;
  band: number;
  exact: number;
  surrogate: number;
  /** Islanded outages decided by topology, not solved (0 for screens stored before they were). */
  topology: number;
  /** Why the exact ones were solved (flagged, in the band, estimate unsettled); null for screens stored before it was kept. */
  why: ExactReasons | null;
}

export interface N1Summary {
  caseName: string;
  mode: 'ac' | 'dc' | 'screen';
  /** Mode 'screen': the model, threshold, band and the split (null otherwise). */
  screen?: ScreenView | null;
  seconds: number;
  runId: number | null;
  total: number;
  counts: Record<Verdict, number>;
  /** The base case's own limits (null for a run reopened from the store). */
  base: { maxLoading: number; nOverloads: number; nVoltageViolations: number } | null;
  /** Worst first. */
  records: ContingencyView[];
}

/** An exported contingency report, as the Reports screen lists it. */
export interface ReportInfo {
  id: number;
  kind: ReportFormat;
  fileName: string;
  /** Bytes. */
  size: number;
  /** The N-1 run it reports on (null once that run is deleted). */
  runId: number | null;
  caseName: string | null;
  compareTo: number | null;
  /** Made while its run was not complete. */
  partial: boolean;
  /** Its bytes are in the database (exported from the window); else only `path` is known (written by the CLI). */
  kept: boolean;
  path: string | null;
  createdAt: string;
}

export interface ReportFileView {
  id: number;
  fileName: string;
  mimeType: string;
  base64: string;
}

/** A stored N-1 run of a case, as the window lists it to reopen. */
export interface N1RunInfo {
  runId: number;
  mode: 'ac' | 'dc' | 'screen';
  status: 'running' | 'interrupted' | 'cancelled' | 'failed' | 'done';
  done: number;
  total: number;
  counts: Record<Verdict, number>;
  startedAt: string;
  seconds: number | null;
}

export type JobStatus = 'queued' | 'running' | 'done' | 'cancelled' | 'failed';

export interface JobView {
  id: number;
  kind: 'n1' | 'fidelity' | 'dataset' | 'train' | 'study';
  /** What it works on, e.g. the case's name. */
  label: string;
  status: JobStatus;
  /** While queued: 1 for the next job to start. */
  queuePosition?: number;
  /** Once started: the worker threads it may use (1: none, it runs in the main thread; a small case stays there anyway). */
  threads?: number;
  done: number;
  total: number;
  rate: number;
  etaSeconds: number;
  error?: string;
  /** An N-1 run's ranked records, once it has finished. */
  result?: N1Summary;
  /** A fidelity study, once it has finished. */
  fidelity?: FidelityStudy;
  /** A dataset build, once it has finished (or was cancelled). */
  dataset?: DatasetBuildView;
  /** A training job: its run, the epochs so far (a window opened late draws the whole chart), the model once saved. */
  training?: TrainingJobView;
}

export type {
  Explanation, ExplainedConnection, ExplainedLayer, ExplainedPath, NetworkExplanation, GridExplanation, PhysicsExplanation,
  BranchAttribution, BusAttribution, FidelityStudy,
} from './core/learn/explain-types';
import type { Explanation, FidelityStudy } from './core/learn/explain-types';

/** One explanation as the window receives it. */
export interface ExplanationView {
  /** The strongest connections and the largest flow changes of it (the store keeps it whole). */
  explanation: Explanation;
  /** Sparse connections the model has (the explanation lists the strongest). */
  connectionsTotal: number;
  modelId: number;
  /** Read back from the store rather than computed now. */
  cached: boolean;
  milliseconds: number;
}

/**
 * What the main process pushes to the window: over IPC in Electron, over the
 * loopback server's WebSocket (/events) in browser mode. A job event carries
 * progress without results (read them with `job`); a training job pushes
 * each epoch's figures as it ends.
 */
export type ApiEvent =
  | { type: 'job'; job: JobEventView }
  | { type: 'epoch'; jobId: number; runId: number; epoch: EpochView };

/** A job's view as job events carry it: no results. */
export type JobEventView = Omit<JobView, 'result' | 'fidelity' | 'dataset' | 'training'>;

// ---- training from the window ----------------------------------------------

/** Verdict figures of one split (the threshold chosen on validation). */
export interface MetricsView {
  samples: number;
  insecure: number;
  /** Null where not defined (e.g. precision without a predicted insecure outage). */
  accuracy: number | null;
  balancedAccuracy: number | null;
  recall: number | null;
  precision: number | null;
  /** Mean absolute error of post-outage branch loading (p.u. of rating) and bus voltage (p.u.); null for the DC screen. */
  loadingMae: number | null;
  vmMae: number | null;
}

/** One training epoch's figures; null where not measured (no validation split). */
export interface EpochView {
  epoch: number;
  loss: number | null;
  valLoss: number | null;
  /** The validation loss with each verdict term capped (what selects the best epoch of a surrogate); null before it was kept. */
  valCappedLoss: number | null;
  balancedAccuracy: number | null;
  recall: number | null;
  /** Existing connections / possible, over the sparse layers. */
  density: number | null;
  /** The rewiring rate (fraction of connections pruned and regrown) after this epoch. */
  zeta: number | null;
  pruned: number;
  regrown: number;
  seconds: number | null;
}

/** A stored dataset of a case. */
export interface DatasetInfo {
  id: number;
  name: string;
  createdAt: string;
  /** building: its build was cancelled or killed (it cannot be trained on). */
  status: 'building' | 'done';
  scenarios: { train: number; val: number; test: number };
  skipped: number;
  /** Branch outages per scenario. */
  outages: number;
  samples: number;
  /** Insecure share of the non-islanded outages (null while building). */
  insecureShare: number | null;
  /** Load levels the random scenarios were drawn from, and the range the base case converges over (null: none searched). */
  levels: { min: number; max: number } | null;
  loadRange: { min: number; max: number } | null;
  seed: number;
  bytes: number;
}

/** What a new dataset of a case gets when the form leaves a field empty. */
export interface DatasetDefaults {
  scenarios: number;
  /** With the default count, the branch outages labelled per scenario (a random sample on a large grid; null: every one). */
  outagesPerScenario: number | null;
  seed: number;
  levelMin: number;
  levelMax: number;
  /** The load range the base case converges over (levels 1 = the case's load). */
  loadRange: { min: number; max: number; minIsBound: boolean; maxIsBound: boolean };
}

/** A dataset build's outcome. */
export interface DatasetBuildView {
  datasetId: number;
  cancelled: boolean;
  scenarios: number;
  samples: number;
  /** Scenarios whose base case did not converge, and why. */
  skipped: { id: number; level: number | null; reason: string }[];
  loadRange: { min: number; max: number; minIsBound: boolean; maxIsBound: boolean } | null;
  levels: { min: number; max: number; from: 'range' | 'given' } | null;
  seconds: number;
}

export interface TrainingJobView {
  runId: number | null;
  epochsPlanned: number;
  epochs: EpochView[];
  /** The saved model (null until it is, or when cancelled: resume the run). */
  modelId: number | null;
  stopped: string | null;
}

/** A stored training run of a case (to resume a cancelled or killed one). */
export interface TrainingRunInfo {
  runId: number;
  datasetId: number | null;
  status: 'running' | 'interrupted' | 'cancelled' | 'failed' | 'done';
  method: string | null;
  regrow: string | null;
  sparsity: number | null;
  epochs: number;
  epochsDone: number;
  checkpointEpoch: number | null;
  startedAt: string;
  /** The job of this process training it now. */
  jobId: number | null;
  error: string | null;
}

/** A stored model of a case with the metrics kept with it. */
export interface ModelDetailView {
  id: number;
  name: string;
  createdAt: string;
  datasetId: number | null;
  trainingRunId: number | null;
  method: string;
  regrow: string;
  sparsity: number;
  /** Parameters kept / dense-equivalent. */
  density: number | null;
  paramsKept: number | null;
  epochs: number | null;
  bestEpoch: number | null;
  stopped: string | null;
  /** Training time, seconds (every resumed part included). */
  seconds: number | null;
  threshold: number;
  val: MetricsView | null;
  test: MetricsView | null;
  /** Test scenarios in which at least 10% of the judged outages are insecure. */
  testStressed: (MetricsView & { scenarios: number }) | null;
  /** The DC-LODF screen on the same test samples. */
  dcTest: MetricsView | null;
  /** The stored epochs of its training run (empty when not kept). */
  curve: EpochView[];
}

export interface ApiEvents {
  /** Calls listener for every event; returns the unsubscribe. */
  subscribe(listener: (e: ApiEvent) => void): () => void;
}

export interface SurrogateView {
  modelId: number;
  modelName: string;
  method: string;
  regrow: string;
  sparsity: number;
  /** 'islanded' (decided by topology), 'secure', 'insecure' or a violation kind. */
  verdict: string;
  pInsecure: number;
  maxLoading: number | null;
  /** Time to predict every outage of the case with this model (cached afterwards). */
  milliseconds: number;
}

export interface ModelInfo {
  id: number;
  name: string;
  createdAt: string;
  /** usable: the surrogate service may apply it; unreadable: its row is damaged or its config is missing or invalid; outdated: readable, but trained for another feature layout. */
  status: 'usable' | 'unreadable' | 'outdated';
  /** Why it is not usable (null when it is). */
  problem: string | null;
  /** The grid it was trained on, and how (null when unreadable). */
  caseName: string | null;
  method: string | null;
  regrow: string | null;
  sparsity: number | null;
}

export interface OutageView {
  record: ContingencyView;
  /** The newest trained surrogate of this grid, when there is one. */
  surrogate: SurrogateView | null;
  /** Per case bus row; null outside the main island. */
  vm: (number | null)[];
  /** Per case branch row; null when unrated, outaged or cut off. */
  loading: (number | null)[];
  /** The outage's solve (not the case's first base case and factors, which a first outage of a case pays once). */
  milliseconds: number;
}

// ---- requests: one zod schema per method -----------------------------------

/** Raised for a request that breaks its schema; `field` names the top-level field. */
export class ApiError extends Error {
  constructor(message: string, readonly field?: string) {
    super(message);
    this.name = 'ApiError';
  }
}

const MAX_NAME = 200;
/** The largest file an import takes (characters); the largest real cases are a few tens of MB. */
export const MAX_IMPORT_CHARS = 64 * 1024 * 1024;
const MAX_POSITIONS = 200_000;

/** A string of 1..max characters. */
const text = (max = MAX_NAME) => {
  const error = `must be a non-empty string of at most ${max} characters`;
  return z.string({ error }).min(1, { error }).max(max, { error });
};
/** A safe integer of at least `min`. */
const wholeNumber = (min = 1) => {
  const error = `must be a whole number of at least ${min}`;
  return z.int({ error }).min(min, { error });
};
const finiteNumber = z.number({ error: 'must be a finite number' });
const mode = z.enum(['ac', 'dc', 'screen'], { error: "must be 'ac', 'dc' or 'screen'" });
/** A verified screen's safety band: a probability margin. */
const band = (() => {
  const error = 'must be a number from 0 to 1';
  return z.number({ error }).min(0, { error }).max(1, { error });
})();
const flag = z.boolean({ error: 'must be true or false' });

/** A request object; a missing body (undefined or null) reads as {} so that the missing field is named. */
const request = <S extends z.ZodRawShape>(shape: S) => z.preprocess((v) => v ?? {}, z.object(shape, { error: 'must be an object' }));
/** Methods without a request ignore whatever body comes. */
const noRequest = z.unknown().transform((): undefined => undefined);

const fractionOpen = (() => {
  const error = 'must be a number between 0 and 1 (both excluded)';
  return z.number({ error }).gt(0, { error }).lt(1, { error });
})();
const level = (() => {
  const error = 'must be a load level above 0 and at most 10 (1 = the case\'s load)';
  return z.number({ error }).gt(0, { error }).max(10, { error });
})();
const posWeightError = "must be 'auto' or a number from 0.001 to 10000";
const bounded = (min: number, max: number) => {
  const error = `must be a whole number from ${min} to ${max}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
};
/** A list of at least `min` items, none given twice (by `key`). */
const distinctList = <T extends z.ZodType>(item: T, what: string, min: number, key: (v: z.infer<T>) => string = String) => {
  const error = `must be a list of ${min > 0 ? `at least ${min} ` : ''}${what}${min === 1 ? '' : 's'}`;
  return z.array(item, { error }).min(min, { error }).max(20, { error: `must be a list of at most 20 ${what}s` })
    .refine((l) => new Set(l.map(key)).size === l.length, { error: `names a ${what} twice` });
};
const method = z.enum(TOPOLOGY_METHODS as [TopologyMethod, ...TopologyMethod[]], { error: `must be one of ${TOPOLOGY_METHODS.join(', ')}` });
const regrow = z.enum(REGROW_RULES as [RegrowRule, ...RegrowRule[]], { error: `must be one of ${REGROW_RULES.join(', ')}` });

const position = z.object({ bus: wholeNumber(0), x: finiteNumber, y: finiteNumber }, { error: 'must be {bus, x, y}' });

export const requestSchemas = {
  info: noRequest,
  listCases: noRequest,
  cluster: noRequest,
  caseGraph: request({ name: text() }),
  powerFlow: request({ name: text(), dc: flag.optional() }),
  startN1: request({ name: text(), mode: mode.optional(), model: wholeNumber().optional(), band: band.optional(), cluster: flag.optional() }),
  job: request({ jobId: wholeNumber() }),
  cancelJob: request({ jobId: wholeNumber() }),
  saveLayout: request({
    name: text(),
    positions: z.array(position, { error: `must be a list of at most ${MAX_POSITIONS} {bus, x, y}` })
      .max(MAX_POSITIONS, { error: `must be a list of at most ${MAX_POSITIONS} {bus, x, y}` }),
  }),
  outage: request({ name: text(), branch: wholeNumber() }),
  mapLayout: request({ name: text(), since: wholeNumber(0).optional() }),
  listModels: noRequest,
  importFile: request({
    fileName: text(260),
    text: z.string({ error: 'must be the file\'s text' }).min(1, { error: 'is empty: the file has no text' })
      .max(MAX_IMPORT_CHARS, { error: `is longer than ${MAX_IMPORT_CHARS} characters` }),
    forCase: text().optional(),
  }),
  changeTables: request({ name: text() }),
  renameCase: request({ name: text(), newName: text() }),
  caseDependents: request({ name: text() }),
  deleteCase: request({ name: text() }),
  exportCase: request({ name: text() }),
  n1Runs: request({ name: text() }),
  n1Run: request({ runId: wholeNumber() }),
  explain: request({ name: text(), branch: wholeNumber(), model: wholeNumber().optional() }),
  explainFidelity: request({ model: wholeNumber(), dataset: wholeNumber().optional(), outages: wholeNumber().optional() }),
  datasets: request({ name: text() }),
  datasetDefaults: request({ name: text() }),
  startDataset: request({
    name: text(), scenarios: bounded(1, 5000).optional(), levelMin: level.optional(), levelMax: level.optional(), seed: wholeNumber(0).optional(), cluster: flag.optional(),
  }),
  startTraining: request({
    name: text(), dataset: wholeNumber().optional(), method: method.optional(), regrow: regrow.optional(), sparsity: fractionOpen.optional(),
    epochs: bounded(1, 1000).optional(), resume: wholeNumber().optional(), hidden: bounded(4, 256).optional(), seed: wholeNumber(0).optional(),
    patience: bounded(0, 1000).optional(),
    // The insecure class's loss weight: 'auto' chooses it on validation (pilots); unset, the class ratio.
    posWeight: z.union([z.literal('auto'), z.number().min(0.001, { error: posWeightError }).max(10000, { error: posWeightError })], { error: posWeightError }).optional(),
  }),
  trainingRuns: request({ name: text() }),
  caseModels: request({ name: text() }),
  modelDetail: request({ name: text(), model: wholeNumber() }),
  startStudy: request({
    model: wholeNumber(),
    study: z.enum(['robustness', 'compression', 'graphon'], { error: "must be 'robustness', 'compression' or 'graphon'" }),
    draws: bounded(1, 50).optional(), outages: wholeNumber(0).optional(), blocks: bounded(1, 256).optional(), finetune: bounded(0, 50).optional(),
    perturbations: distinctList(z.enum(PERTURBATIONS as unknown as [Perturbation, ...Perturbation[]], { error: `must be one of ${PERTURBATIONS.join(', ')}` }), 'perturbation', 1).optional(),
    prune: distinctList(z.object({ scope: z.enum(['layer', 'global'], { error: "must be 'layer' or 'global'" }), fraction: fractionOpen }, { error: 'must be {scope, fraction}' }), 'pruning', 0, (p) => `${p.scope}:${p.fraction}`).optional(),
    quantize: distinctList(z.enum(QUANTIZATIONS as unknown as [Quantization, ...Quantization[]], { error: `must be one of ${QUANTIZATIONS.join(', ')}` }), 'quantization', 0).optional(),
  }),
  studies: request({ model: wholeNumber() }),
  exportReport: request({
    runId: wholeNumber(),
    format: z.enum(REPORT_FORMATS as unknown as [ReportFormat, ...ReportFormat[]], { error: `must be one of ${REPORT_FORMATS.join(', ')}` }),
    compareTo: wholeNumber().optional(),
  }),
  reports: request({ runId: wholeNumber().optional() }),
  reportFile: request({ id: wholeNumber() }),
  compareModels: request({
    name: text(),
    models: z.array(wholeNumber(), { error: 'must be a list of 1 to 20 model ids' }).min(1, { error: 'must be a list of 1 to 20 model ids' })
      .max(20, { error: 'must be a list of 1 to 20 model ids' }),
  }),
} satisfies Record<ApiMethod, z.ZodType>;

/** The validated request of method M, as the handlers receive it. */
export type ApiRequest<M extends ApiMethod> = z.output<(typeof requestSchemas)[M]>;

export interface Api {
  info(): Promise<BackendInfo>;
  /** Bundled cases, then the cases imported into the store (by stored id). */
  listCases(): Promise<CaseInfo[]>;
  caseGraph(req: ApiRequest<'caseGraph'>): Promise<GridGraph>;
  powerFlow(req: ApiRequest<'powerFlow'>): Promise<PowerFlowSummary>;
  /** Queues an N-1 run (stored in the database); it starts when a slot is free; poll `job`. */
  startN1(req: ApiRequest<'startN1'>): Promise<{ jobId: number }>;
  job(req: ApiRequest<'job'>): Promise<JobView>;
  /** The configured cluster and its connected workers (configured: false without one). */
  cluster(): Promise<ClusterInfo>;
  /** Cancels a queued or running job. */
  cancelJob(req: ApiRequest<'cancelJob'>): Promise<{ cancelled: boolean }>;
  /** Keeps the map positions of a case's buses so the map looks the same next time. */
  saveLayout(req: ApiRequest<'saveLayout'>): Promise<{ saved: number }>;
  /**
   * The map layout of a case: the stored or the case file's at once; else it
   * is computed in a worker thread (started by the first call), a draft then
   * the final layout, which is stored. Call again with `since` for progress.
   */
  mapLayout(req: ApiRequest<'mapLayout'>): Promise<MapLayoutView>;
  /** One branch outage solved now, with its post-outage state for the map. */
  outage(req: ApiRequest<'outage'>): Promise<OutageView>;
  /** The stored models, newest first, unreadable ones flagged. */
  listModels(): Promise<ModelInfo[]>;
  /** Imports a MATPOWER case file, or a change table for the case `forCase`; refused whole (file:line:column) or stored whole. */
  importFile(req: ApiRequest<'importFile'>): Promise<ImportedFileView>;
  /** The change tables kept with a case. */
  changeTables(req: ApiRequest<'changeTables'>): Promise<ChangeTableInfo[]>;
  /** Renames an imported case (bundled ones keep their names). */
  renameCase(req: ApiRequest<'renameCase'>): Promise<CaseInfo>;
  /** What deleting an imported case would take with it. */
  caseDependents(req: ApiRequest<'caseDependents'>): Promise<CaseDependentsView>;
  /** Deletes an imported case with its runs, datasets, layouts and change tables; returns what went. */
  deleteCase(req: ApiRequest<'deleteCase'>): Promise<CaseDependentsView>;
  /** The case as MATPOWER text. */
  exportCase(req: ApiRequest<'exportCase'>): Promise<{ fileName: string; text: string }>;
  /** The case's stored N-1 runs, newest first. */
  n1Runs(req: ApiRequest<'n1Runs'>): Promise<N1RunInfo[]>;
  /** A stored N-1 run's records, worst first (to reopen it). */
  n1Run(req: ApiRequest<'n1Run'>): Promise<N1Summary>;
  /** Why the surrogate judges an outage as it does: its connections, neurons, buses and branches, beside the exact physics (kept in the store). */
  explain(req: ApiRequest<'explain'>): Promise<ExplanationView>;
  /** Queues the fidelity study of a model's explanations on its dataset's held-out test outages; poll or follow `job`. */
  explainFidelity(req: ApiRequest<'explainFidelity'>): Promise<{ jobId: number }>;
  /** The case's stored datasets, newest first. */
  datasets(req: ApiRequest<'datasets'>): Promise<DatasetInfo[]>;
  /** What a new dataset of the case gets by default: the levels inside the load range its base case converges over. */
  datasetDefaults(req: ApiRequest<'datasetDefaults'>): Promise<DatasetDefaults>;
  /** Queues a dataset build of random load scenarios (kind 'dataset'); cancel keeps the scenarios finished. */
  startDataset(req: ApiRequest<'startDataset'>): Promise<{ jobId: number }>;
  /** Queues training on a dataset of the case (kind 'train'), or resumes a run from its checkpoint; each epoch is pushed as it ends. */
  startTraining(req: ApiRequest<'startTraining'>): Promise<{ jobId: number }>;
  /** The case's training runs, newest first (cancelled and killed ones resume). */
  trainingRuns(req: ApiRequest<'trainingRuns'>): Promise<TrainingRunInfo[]>;
  /** The usable models of the case's grid with their metrics (no curves), newest first. */
  caseModels(req: ApiRequest<'caseModels'>): Promise<ModelDetailView[]>;
  /** One model of the case with its metrics and training curve. */
  modelDetail(req: ApiRequest<'modelDetail'>): Promise<ModelDetailView>;
  /** Models of the case side by side, in the order asked, with their curves. */
  compareModels(req: ApiRequest<'compareModels'>): Promise<ModelDetailView[]>;
  /** Queues a study of a stored model (kind 'study'): robustness, compression or graphon; kept with the model when it ends. */
  startStudy(req: ApiRequest<'startStudy'>): Promise<{ jobId: number }>;
  /** The newest stored study of each kind for a model. */
  studies(req: ApiRequest<'studies'>): Promise<StudiesView>;
  /** Makes the contingency report of a stored N-1 run (html, pdf, csv, xlsx, json) and keeps it in the database; CSV gives two files. */
  exportReport(req: ApiRequest<'exportReport'>): Promise<ReportInfo[]>;
  /** The exported reports, newest first (of one run with runId). */
  reports(req: ApiRequest<'reports'>): Promise<ReportInfo[]>;
  /** A kept report's file (base64), to save it. */
  reportFile(req: ApiRequest<'reportFile'>): Promise<ReportFileView>;
}

export type { RobustnessStudy, GraphonStudy, CompressionStudy, CompressionRow } from './core/learn/studies/types';
export type { RobustnessCurve, RobustnessPoint } from './core/learn/studies/robustness';
export type { LayerGraphon } from './core/learn/studies/graphon';
export type { Perturbation } from './core/learn/studies/perturb';
export type { PruneSpec, Quantization } from './core/learn/studies/compress';
import type { RobustnessStudy, GraphonStudy, CompressionStudy } from './core/learn/studies/types';

/** A model's studies as the window reads them back from the store (null: not run yet). */
export interface StudiesView {
  model: number;
  robustness: RobustnessStudy | null;
  compression: CompressionStudy | null;
  graphon: GraphonStudy | null;
}

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
/** Fails to compile when the Api's methods and the schemas' keys (API_METHODS) differ. */
export type ApiMethodsMatchSchemas = Assert<Same<keyof Api, ApiMethod>>;

/** The first issue of a failed parse as one readable line naming the field. */
function apiError(error: z.ZodError): ApiError {
  const issue = firstIssue(error);
  return issue.top === null ? new ApiError(`request ${issue.message}`) : new ApiError(issue.message, issue.top);
}

function parseRequest<M extends ApiMethod>(method: M, req: unknown): ApiRequest<M> {
  const r = requestSchemas[method].safeParse(req);
  if (!r.success) throw apiError(r.error);
  return r.data as ApiRequest<M>;
}

/** Request validators: each returns the typed request or throws ApiError naming the field. */
export const validators = Object.fromEntries(API_METHODS.map((m) => [m, (req: unknown) => parseRequest(m, req)])) as {
  [M in ApiMethod]: (req: unknown) => ApiRequest<M>;
};
