// The use-cases behind the Api contract, shared by the Electron and
// loopback adapters.

import { bestKernels } from '../core/learn/kernels';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Api, CaseInfo, GridGraph, PowerFlowSummary, JobView, N1Summary, OutageView, ContingencyView } from '../api';
import type { Store } from '../store';
import { N1Engine } from '../core/grid/contingency';
import { VERDICTS, type ContingencyRecord, type Verdict } from '../core/grid/contingency-types';
import { runN1, rankRecords, type N1Outcome, type N1Progress } from './n1';
import { runStoredN1 } from './n1-stored';
import { readFileSync } from 'node:fs';
import { loadSurrogate, predictCase, PredictError, type PredictOutcome } from './predict';
import type { SurrogateModelConfig } from './train';
import type { SurrogateView } from '../api';
import { ApiError } from '../api';
import type { Case } from '../core/grid/case';
import { loadCaseFile } from './cases';
import { runPowerFlow } from '../core/grid/powerflow';
import { detectBackend } from './backend';
import { BUS_I, BUS_TYPE, PD, QD, VMAX, VMIN, BASE_KV, GEN_BUS, PG, GEN_STATUS, F_BUS, T_BUS, RATE_A, BR_STATUS } from '../core/grid/idx';

export const VERSION = '0.1.0';

export interface AppOptions {
  /** Folder of bundled MATPOWER cases. */
  casesDir: string;
  /** Where runs are kept; without one, results live only in memory. */
  store?: Store;
}

interface Job {
  view: JobView;
  abort: AbortController;
}

const toView = (r: ContingencyRecord): ContingencyView => ({
  branch: r.branch, gen: r.gen, from: r.from, to: r.to, verdict: r.verdict, severity: r.severity, converged: r.converged,
  iterations: r.iterations, islanded: r.islanded, cutBuses: r.cutBuses, lostLoadMW: r.lostLoadMW, lostGenMW: r.lostGenMW,
  maxLoading: r.maxLoading, nOverloads: r.nOverloads, worstBranch: r.worstBranch, minVm: r.minVm, maxVm: r.maxVm, nVoltageViolations: r.nVoltageViolations,
});
const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

export function createHandlers(opts: AppOptions): Api {
  const cache = new Map<string, Case>();
  const caseFiles = (): string[] => readdirSync(opts.casesDir).filter((f) => f.startsWith('case') && f.endsWith('.m')).sort();
  const getCase = (name: string): Case => {
    const hit = cache.get(name);
    if (hit) return hit;
    const file = caseFiles().find((f) => f === `${name}.m`);
    if (!file) throw new ApiError(`no bundled case named '${name}'`, 'name');
    const c = loadCaseFile(join(opts.casesDir, file)).case;
    cache.set(name, c);
    return c;
  };
  const engines = new Map<string, N1Engine>();
  const engineFor = (name: string): N1Engine => {
    let e = engines.get(name);
    if (!e) { e = N1Engine.forCase(getCase(name)); engines.set(name, e); }
    return e;
  };
  /** The case's id in the store (imported on first use; same text, same id), or null without a store. */
  const storedCaseId = (name: string): number | null => {
    if (!opts.store) return null;
    const file = caseFiles().find((f) => f === `${name}.m`)!;
    return opts.store.cases.import({ text: readFileSync(join(opts.casesDir, file), 'utf8'), parsed: getCase(name), sourceFile: file }).id;
  };
  const jobs = new Map<number, Job>();
  let nextJob = 1;
  /** Predictions of every outage per case by the newest model that fits its grid. */
  const predictions = new Map<string, { outcome: PredictOutcome; config: SurrogateModelConfig; name: string; ms: number; modelCount: number } | null>();
  const surrogateFor = (name: string, branch: number): SurrogateView | null => {
    if (!opts.store) return null;
    const models = opts.store.models.list().filter((m) => (m.config as { format?: string }).format === 'gridrewire-n1-surrogate').sort((a, b) => b.id - a.id);
    let hit = predictions.get(name);
    if (hit === undefined || (hit?.modelCount ?? 0) !== models.length) {
      hit = null;
      for (const m of models) {
        try {
          const t0 = performance.now();
          const loaded = loadSurrogate(opts.store, m.id);
          const outcome = predictCase(loaded, getCase(name));
          hit = { outcome, config: loaded.config, name: m.name, ms: performance.now() - t0, modelCount: models.length };
          break;
        } catch (e) {
          if (!(e instanceof PredictError)) throw e; // another grid's model: try the next
        }
      }
      predictions.set(name, hit ?? null);
    }
    if (!hit) return null;
    const p = hit.outcome.contingencies.find((c) => c.branch === branch);
    if (!p) return null;
    return {
      modelId: hit.outcome.modelId, modelName: hit.name, method: hit.config.method, regrow: hit.config.regrow, sparsity: hit.config.sparsity,
      verdict: p.verdict, pInsecure: p.pInsecure, maxLoading: p.maxLoading, milliseconds: hit.ms,
    };
  };
  return {
    async info() {
      const b = detectBackend();
      return { version: VERSION, learningBackend: b.name, learningBackendNote: b.note, inferenceKernels: bestKernels(), node: process.version, platform: `${process.platform}-${process.arch}` };
    },
    async listCases(): Promise<CaseInfo[]> {
      return caseFiles().map((file) => {
        const c = getCase(file.slice(0, -2));
        return { name: c.name, file, buses: c.bus.length, branches: c.branch.length, gens: c.gen.length };
      });
    },
    async caseGraph({ name }): Promise<GridGraph> {
      const c = getCase(name);
      const id = storedCaseId(name);
      const saved = id !== null ? opts.store!.layouts.get(id) : [];
      return {
        layout: saved.length ? saved.map((p) => ({ bus: p.bus, x: p.x, y: p.y })) : null,
        name: c.name, baseMVA: c.baseMVA,
        buses: c.bus.map((b, i) => ({ id: b[BUS_I], type: b[BUS_TYPE], pd: b[PD], qd: b[QD], vmax: b[VMAX], vmin: b[VMIN], baseKV: b[BASE_KV], name: c.bus_name?.[i] })),
        branches: c.branch.map((r, i) => ({ row: i + 1, from: r[F_BUS], to: r[T_BUS], rateA: r[RATE_A], inService: r[BR_STATUS] !== 0 })),
        gens: c.gen.map((g, i) => ({ row: i + 1, bus: g[GEN_BUS], pg: g[PG], inService: g[GEN_STATUS] > 0 })),
      };
    },
    async powerFlow({ name, dc }): Promise<PowerFlowSummary> {
      const c = getCase(name);
      const r = runPowerFlow(c, { dc });
      const loading = c.branch.map((row, i) => {
        const rate = row[RATE_A];
        if (!(rate > 0 && rate < 1e10) || row[BR_STATUS] === 0) return null;
        return Math.max(Math.hypot(r.pf[i], r.qf[i]), Math.hypot(r.pt[i], r.qt[i])) / rate;
      });
      return {
        mode: r.mode, converged: r.converged, status: r.status, iterations: r.iterations, mismatch: r.mismatch,
        milliseconds: r.seconds * 1000, vm: Array.from(r.vm), va: Array.from(r.va), loading, pf: Array.from(r.pf), qf: Array.from(r.qf),
      };
    },
    async startN1({ name, mode }) {
      getCase(name); // a clear error now for an unknown case
      const file = caseFiles().find((f) => f === `${name}.m`)!;
      const caseText = readFileSync(join(opts.casesDir, file), 'utf8');
      const id = nextJob++;
      const abort = new AbortController();
      const view: JobView = { id, kind: 'n1', status: 'running', done: 0, total: 0, rate: 0, etaSeconds: Infinity };
      jobs.set(id, { view, abort });
      const onProgress = (p: N1Progress) => { view.done = p.done; view.total = p.total; view.rate = p.rate; view.etaSeconds = p.etaSeconds; };
      const req = { caseText, fileName: file, mode: mode ?? 'ac', kind: 'branch' as const };
      const run: Promise<N1Outcome & { runId?: number }> = opts.store
        ? runStoredN1(opts.store, req, { signal: abort.signal, onProgress })
        : runN1({ ...req, signal: abort.signal, onProgress });
      run.then((res) => {
        const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
        for (const r of res.records) counts[r.verdict]++;
        const result: N1Summary = {
          caseName: res.caseName, mode: res.mode, seconds: res.seconds, runId: res.runId ?? null, total: res.total, counts,
          base: { maxLoading: res.base.maxLoading, nOverloads: res.base.nOverloads, nVoltageViolations: res.base.nVoltageViolations },
          records: rankRecords(res.records).map(toView),
        };
        view.result = result;
        view.status = res.cancelled ? 'cancelled' : 'done';
      }, (e: unknown) => {
        view.status = 'failed';
        view.error = e instanceof Error ? e.message : String(e);
      });
      return { jobId: id };
    },
    async job({ jobId }) {
      const j = jobs.get(jobId);
      if (!j) throw new ApiError(`no job ${jobId}`, 'jobId');
      return { ...j.view, etaSeconds: Number.isFinite(j.view.etaSeconds) ? j.view.etaSeconds : -1 };
    },
    async cancelJob({ jobId }) {
      const j = jobs.get(jobId);
      if (!j) throw new ApiError(`no job ${jobId}`, 'jobId');
      const running = j.view.status === 'running';
      if (running) j.abort.abort();
      return { cancelled: running };
    },
    async saveLayout({ name, positions }) {
      const c = getCase(name);
      const known = new Set(c.bus.map((b) => b[BUS_I]));
      const bad = positions.find((p) => !known.has(p.bus));
      if (bad) throw new ApiError(`bus ${bad.bus} is not in ${name}`, 'positions');
      const id = storedCaseId(name);
      if (id === null) return { saved: 0 };
      opts.store!.layouts.upsert(id, positions);
      return { saved: positions.length };
    },
    async outage({ name, branch }): Promise<OutageView> {
      const t0 = performance.now();
      const c = getCase(name);
      if (branch > c.branch.length) throw new ApiError(`branch ${branch} does not exist: ${name} has ${c.branch.length} branches`, 'branch');
      const d = engineFor(name).branchOutageDetail(branch);
      const ms = performance.now() - t0;
      return { record: toView(d.record), surrogate: surrogateFor(name, branch), vm: Array.from(d.vm, finite), loading: Array.from(d.loading, finite), milliseconds: ms };
    },
  };
}
