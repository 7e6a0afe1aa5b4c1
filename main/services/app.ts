// The use-cases behind the Api contract, shared by the Electron and loopback
// adapters: small services, each given what it needs, composed here and
// nowhere else.

import type { Api, ApiEvents, BackendInfo, JobView } from '../api';
import { bestKernels } from '../core/learn/kernels';
import type { Store } from '../store';
import { ReportExports } from './report-exports';
import { detectBackend, listBackends } from './backend';
import { CaseCatalogue } from './case-catalogue';
import { CaseLibrary } from './case-library';
import { ExplainJobs } from './explain-jobs';
import { CaseMaps } from './case-maps';
import { DatasetJobs } from './dataset-jobs';
import { JobQueue } from './job-queue';
import { stderrLogger, type Logger } from './logger';
import { N1Jobs } from './n1-jobs';
import { ClusterView } from './cluster';
import { Outages } from './outages';
import { PowerFlows } from './power-flows';
import { ModelMetrics } from './model-metrics';
import { Surrogates } from './surrogates';
import { TrainingJobs } from './training-jobs';
import { StudyJobs } from './study-jobs';
import packageJson from '../../package.json';

/** The package's version, one place: the header and every report's generator show it. */
export const VERSION: string = packageJson.version;

/** How much each service keeps and runs at once. */
export interface AppLimits {
  /** Parsed cases kept in memory (default 8). */
  parsedCases?: number;
  /** Cases whose solved N-1 engine is kept for outages (default 4). */
  engineCases?: number;
  /** Cases whose surrogate predictions are kept (default 16). */
  predictionCases?: number;
  /** Heavy jobs running at once (default: the core count). */
  jobSlots?: number;
  /** Worker threads of all running jobs together (default: the core count). */
  jobThreads?: number;
  /** How long a finished job stays answerable, in ms (default 10 minutes). */
  jobRetentionMs?: number;
}

export interface AppOptions {
  /** Folder of bundled MATPOWER cases. */
  casesDir: string;
  /** Where runs are kept; without one, results live only in memory. */
  store?: Store;
  /** Where warnings go (default: stderr). */
  logger?: Logger;
  limits?: AppLimits;
  /** A Redis URL: N-1 runs may go to the workers of that cluster (gridrewire worker). */
  cluster?: string;
}

export interface AppServices {
  catalogue: CaseCatalogue;
  library: CaseLibrary;
  maps: CaseMaps;
  powerFlows: PowerFlows;
  surrogates: Surrogates;
  outages: Outages;
  jobs: JobQueue;
  n1: N1Jobs;
  cluster: ClusterView;
  explain: ExplainJobs;
  datasets: DatasetJobs;
  training: TrainingJobs;
  models: ModelMetrics;
  studies: StudyJobs;
  reports: ReportExports;
}

export function createServices(opts: AppOptions): AppServices {
  const limits = opts.limits ?? {};
  const catalogue = new CaseCatalogue({ casesDir: opts.casesDir, store: opts.store, parsedCases: limits.parsedCases });
  const surrogates = new Surrogates(catalogue, opts.store, opts.logger ?? stderrLogger, { cachedCases: limits.predictionCases });
  const jobs = new JobQueue({ slots: limits.jobSlots, threads: limits.jobThreads, retentionMs: limits.jobRetentionMs });
  return {
    catalogue, surrogates, jobs,
    library: new CaseLibrary(catalogue, opts.store),
    maps: new CaseMaps(catalogue),
    powerFlows: new PowerFlows(catalogue),
    outages: new Outages(catalogue, surrogates, { engineCases: limits.engineCases }),
    n1: new N1Jobs(catalogue, jobs, opts.cluster ?? null),
    cluster: new ClusterView(opts.cluster ?? null),
    explain: new ExplainJobs(catalogue, jobs, opts.store),
    datasets: new DatasetJobs(catalogue, jobs, opts.store, opts.cluster ?? null),
    training: new TrainingJobs(catalogue, jobs, opts.store),
    models: new ModelMetrics(catalogue, opts.store),
    studies: new StudyJobs(jobs, opts.store),
    reports: new ReportExports(opts.store, `GridRewire ${VERSION}`),
  };
}

/** The Api over a set of services. */
export function handlersOf(s: AppServices): Api {
  return {
    info: async () => backendInfo(),
    listCases: async () => s.catalogue.list(),
    caseGraph: async ({ name }) => s.maps.graph(name),
    powerFlow: async ({ name, dc }) => s.powerFlows.solve(name, dc),
    startN1: async ({ name, mode, model, band, cluster }) => s.n1.start(name, mode, { model, band, cluster }),
    cluster: () => s.cluster.info(),
    job: async ({ jobId }) => jsonJobView(s.jobs.view(jobId)),
    cancelJob: async ({ jobId }) => s.jobs.cancel(jobId),
    saveLayout: async ({ name, positions }) => s.maps.saveLayout(name, positions),
    outage: async ({ name, branch }) => s.outages.outage(name, branch),
    mapLayout: async ({ name, since }) => s.maps.layout(name, since),
    listModels: async () => s.surrogates.list(),
    importFile: async ({ fileName, text, forCase }) => s.library.importFile(fileName, text, forCase),
    changeTables: async ({ name }) => s.library.changeTables(name),
    renameCase: async ({ name, newName }) => s.library.rename(name, newName),
    caseDependents: async ({ name }) => s.library.dependents(name),
    deleteCase: async ({ name }) => s.library.delete(name),
    exportCase: async ({ name }) => s.library.exportCase(name),
    n1Runs: async ({ name }) => s.n1.storedRuns(name),
    n1Run: async ({ runId }) => s.n1.storedRun(runId),
    explain: async ({ name, branch, model }) => s.explain.explain(name, branch, model),
    explainFidelity: async ({ model, dataset, outages }) => s.explain.startFidelity({ model, dataset, outages }),
    datasets: async ({ name }) => s.datasets.list(name),
    datasetDefaults: async ({ name }) => s.datasets.defaults(name),
    startDataset: async ({ name, ...req }) => s.datasets.start(name, req),
    startTraining: async ({ name, ...req }) => s.training.start(name, req),
    trainingRuns: async ({ name }) => s.training.runs(name),
    caseModels: async ({ name }) => s.models.ofCase(name),
    modelDetail: async ({ name, model }) => s.models.detail(name, model),
    compareModels: async ({ name, models }) => s.models.compare(name, models),
    startStudy: async (req) => s.studies.start(req),
    studies: async ({ model }) => s.studies.stored(model),
    exportReport: async (req) => s.reports.export(req),
    reports: async ({ runId }) => s.reports.list(runId),
    reportFile: async ({ id }) => s.reports.file(id),
  };
}

export function createHandlers(opts: AppOptions): Api {
  return handlersOf(createServices(opts));
}

/** What the adapters serve: the Api, and the events they push to the window (IPC, WebSocket). */
export function createApp(opts: AppOptions): { api: Api; events: ApiEvents; services: AppServices } {
  const services = createServices(opts);
  return { api: handlersOf(services), events: eventsOf(services), services };
}

/** The services' changes as Api events: jobs' progress, and training epochs as they end. */
export function eventsOf(s: AppServices): ApiEvents {
  return {
    subscribe: (listener) => {
      const offJobs = s.jobs.subscribe((job) => listener({ type: 'job', job: jsonJobView(job) }));
      const offEpochs = s.training.subscribe(listener);
      return () => { offJobs(); offEpochs(); };
    },
  };
}

/** JSON has no Infinity: an unknown ETA travels as -1. */
function jsonJobView<V extends Pick<JobView, 'etaSeconds'>>(v: V): V {
  return { ...v, etaSeconds: Number.isFinite(v.etaSeconds) ? v.etaSeconds : -1 };
}

function backendInfo(): BackendInfo {
  const b = detectBackend();
  const all = listBackends().map(({ name, loaded, device, note }) => ({ name, loaded, device, note }));
  return { version: VERSION, learningBackend: b.name, learningBackendNote: b.note, learningBackends: all, inferenceKernels: bestKernels(), node: process.version, platform: `${process.platform}-${process.arch}` };
}
