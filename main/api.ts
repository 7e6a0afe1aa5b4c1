// The one typed contract between the renderer and the main process. The
// Electron adapter (index.ts) and the loopback server (server.ts) both
// dispatch to `createHandlers`, after validating each request against the
// method's schema. The renderer imports only the types from this file.

export interface CaseInfo {
  name: string;
  file: string;
  buses: number;
  branches: number;
  gens: number;
}

export interface GridGraph {
  name: string;
  baseMVA: number;
  buses: { id: number; type: number; pd: number; qd: number; vmax: number; vmin: number; baseKV: number; name?: string }[];
  branches: { row: number; from: number; to: number; rateA: number; inService: boolean }[];
  gens: { row: number; bus: number; pg: number; inService: boolean }[];
  /** Saved map positions (bus number -> x, y), when this case was laid out before. */
  layout: { bus: number; x: number; y: number }[] | null;
}

export interface PowerFlowSummary {
  mode: 'ac' | 'dc';
  converged: boolean;
  status: string;
  iterations: number;
  mismatch: number;
  milliseconds: number;
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
  /** Kernels of incremental surrogate inference and the DC screen: WebAssembly SIMD, scalar WebAssembly or TypeScript. */
  inferenceKernels: string;
  node: string;
  platform: string;
}

export type Verdict = 'islanded' | 'diverged' | 'overload+voltage' | 'overload' | 'voltage' | 'secure';

export interface ContingencyView {
  branch?: number; gen?: number; from: number; to: number; verdict: Verdict; severity: number;
  converged: boolean; iterations: number; islanded: boolean; cutBuses: number; lostLoadMW: number; lostGenMW: number;
  maxLoading: number; nOverloads: number; worstBranch: number | null; minVm: number; maxVm: number; nVoltageViolations: number;
}

export interface N1Summary {
  caseName: string;
  mode: 'ac' | 'dc';
  seconds: number;
  runId: number | null;
  total: number;
  counts: Record<Verdict, number>;
  base: { maxLoading: number; nOverloads: number; nVoltageViolations: number };
  /** Worst first. */
  records: ContingencyView[];
}

export interface JobView {
  id: number;
  kind: 'n1';
  status: 'running' | 'done' | 'cancelled' | 'failed';
  done: number;
  total: number;
  rate: number;
  etaSeconds: number;
  error?: string;
  result?: N1Summary;
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

export interface OutageView {
  record: ContingencyView;
  /** The newest trained surrogate of this grid, when there is one. */
  surrogate: SurrogateView | null;
  /** Per case bus row; null outside the main island. */
  vm: (number | null)[];
  /** Per case branch row; null when unrated, outaged or cut off. */
  loading: (number | null)[];
  milliseconds: number;
}

export interface Api {
  info(): Promise<BackendInfo>;
  listCases(): Promise<CaseInfo[]>;
  caseGraph(req: { name: string }): Promise<GridGraph>;
  powerFlow(req: { name: string; dc?: boolean }): Promise<PowerFlowSummary>;
  /** Starts an N-1 run in the background (stored in the database); poll `job`. */
  startN1(req: { name: string; mode?: 'ac' | 'dc' }): Promise<{ jobId: number }>;
  job(req: { jobId: number }): Promise<JobView>;
  cancelJob(req: { jobId: number }): Promise<{ cancelled: boolean }>;
  /** Keeps the map positions of a case's buses so the map looks the same next time. */
  saveLayout(req: { name: string; positions: { bus: number; x: number; y: number }[] }): Promise<{ saved: number }>;
  /** One branch outage solved now, with its post-outage state for the map. */
  outage(req: { name: string; branch: number }): Promise<OutageView>;
}

export type ApiMethod = keyof Api;

/** Request validators: each returns the typed request or throws ApiError. */
export class ApiError extends Error {
  constructor(message: string, readonly field?: string) {
    super(message);
    this.name = 'ApiError';
  }
}

type Validator = (req: unknown) => unknown;

const obj = (req: unknown): Record<string, unknown> => {
  if (req === undefined || req === null) return {};
  if (typeof req !== 'object' || Array.isArray(req)) throw new ApiError('request must be an object');
  return req as Record<string, unknown>;
};
const str = (o: Record<string, unknown>, k: string, max = 200): string => {
  const v = o[k];
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw new ApiError(`field '${k}' must be a non-empty string of at most ${max} characters`, k);
  return v;
};
const int = (o: Record<string, unknown>, k: string, min = 1): number => {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ApiError(`field '${k}' must be a whole number of at least ${min}`, k);
  return v;
};
const optMode = (o: Record<string, unknown>, k: string): 'ac' | 'dc' | undefined => {
  const v = o[k];
  if (v !== undefined && v !== 'ac' && v !== 'dc') throw new ApiError(`field '${k}' must be 'ac' or 'dc'`, k);
  return v as 'ac' | 'dc' | undefined;
};
const optBool = (o: Record<string, unknown>, k: string): boolean | undefined => {
  const v = o[k];
  if (v !== undefined && typeof v !== 'boolean') throw new ApiError(`field '${k}' must be true or false`, k);
  return v as boolean | undefined;
};

export const validators: Record<ApiMethod, Validator> = {
  info: () => undefined,
  listCases: () => undefined,
  caseGraph: (r) => { const o = obj(r); return { name: str(o, 'name') }; },
  powerFlow: (r) => { const o = obj(r); return { name: str(o, 'name'), dc: optBool(o, 'dc') }; },
  startN1: (r) => { const o = obj(r); return { name: str(o, 'name'), mode: optMode(o, 'mode') }; },
  job: (r) => { const o = obj(r); return { jobId: int(o, 'jobId') }; },
  cancelJob: (r) => { const o = obj(r); return { jobId: int(o, 'jobId') }; },
  saveLayout: (r) => {
    const o = obj(r);
    const p = o.positions;
    if (!Array.isArray(p) || p.length > 200_000) throw new ApiError("field 'positions' must be a list of at most 200000 {bus, x, y}", 'positions');
    const positions = p.map((q, i) => {
      const e = q as Record<string, unknown>;
      if (!e || typeof e !== 'object' || !Number.isInteger(e.bus) || !Number.isFinite(e.x) || !Number.isFinite(e.y)) {
        throw new ApiError(`positions[${i}] must be {bus: whole number, x: number, y: number}`, 'positions');
      }
      return { bus: e.bus as number, x: e.x as number, y: e.y as number };
    });
    return { name: str(o, 'name'), positions };
  },
  outage: (r) => { const o = obj(r); return { name: str(o, 'name'), branch: int(o, 'branch') }; },
};

export const API_METHODS = Object.keys(validators) as ApiMethod[];

export function isApiMethod(m: string): m is ApiMethod {
  return Object.prototype.hasOwnProperty.call(validators, m);
}
