// The contingency report of one stored N-1 run, gathered from the store into
// ReportData (core/report/types.ts), which every format renders from: the
// case, the rules (core/grid/limits.ts), the run, the records ranked, the
// worst insecure outages solved again for their violations, the cross-
// reference, the map of the worst outage from the stored layout, a surrogate
// of the grid beside the exact verdicts, and another run compared.

import { createHash } from 'node:crypto';
import type { Case } from '../core/grid/case';
import { N1Engine, type EngineOptions } from '../core/grid/contingency';
import { signatureMismatch } from '../core/grid/features';
import { BR_STATUS, BUS_I, F_BUS, T_BUS } from '../core/grid/idx';
import { LIMIT_TOL, LOADING_MARGIN, NEWTON_MAX_IT, NEWTON_TOL, UNLIMITED_RATE, VOLTAGE_MARGIN } from '../core/grid/limits';
import { DcScreen } from '../core/grid/lodf';
import { compile } from '../core/grid/network';
import { caseCoordinates } from '../core/map/coordinates';
import { mapPicture } from '../core/report/map-picture';
import { agreement, compareRuns, crossReference, isInsecure, rankContingencies, summarise } from '../core/report/summary';
import type {
  ContingencyDetail, ExplainedOutage, MapPicture, ModelCard, ReportContingency, ReportData, ReportRun, SurrogateSection,
} from '../core/report/types';
import { acBaseCase, acViolations, dcBaseCase, dcViolations, type OutageViolations } from '../core/report/violations';
import type { N1Run, Store } from '../store';
import { Explanations } from './explain';
import { loadSurrogate, predictCase } from './predict';
import { readSurrogate } from './surrogate-config';
import { figure, metricsOf } from './training-views';

export class ReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportError';
  }
}

export interface ReportOptions {
  /** Compare with this run (new, resolved and worsened violations). */
  compareTo?: number;
  /** The worst insecure contingencies solved again for their violations (default 50). */
  detail?: number;
  /** The surrogate to set beside the exact verdicts: a model id, null for none, default the newest of the grid (AC branch runs). */
  model?: number | null;
  /** Contingencies the surrogate section explains (default 3). */
  explain?: number;
  generator?: string;
  /** Map size in picture units. */
  mapSize?: { width: number; height: number };
}

export const DEFAULT_DETAIL = 30;

/**
 * The insecure contingencies whose violations are listed: the worst of each
 * insecure verdict first (a share of n each), so that islands and divergences
 * at the top of the ranking do not crowd the overloads and voltage violations
 * out, then the next worst overall up to n; in rank order.
 */
export function pickDetailed(rows: readonly ReportContingency[], n: number): ReportContingency[] {
  const insecure = rows.filter((r) => isInsecure(r.verdict));
  const kinds = [...new Set(insecure.map((r) => r.verdict))];
  const each = kinds.length ? Math.floor(n / kinds.length) : 0;
  const chosen = new Set<ReportContingency>();
  for (const k of kinds) for (const r of insecure.filter((x) => x.verdict === k).slice(0, each)) chosen.add(r);
  for (const r of insecure) { if (chosen.size >= n) break; chosen.add(r); }
  return [...chosen].sort((a, b) => a.rank - b.rank);
}

/** Opens the run or says why not, in one line. */
export function reportRun(store: Store, runId: number): N1Run {
  if (!Number.isSafeInteger(runId) || runId < 1) throw new ReportError(`the run must be a run id (a whole number from 1), got ${runId}`);
  const run = store.n1.getRun(runId);
  if (!run) {
    const ids = store.n1.listRuns().map((r) => r.id);
    throw new ReportError(`there is no N-1 run ${runId} in ${store.path} (${ids.length ? `its runs are ${ids.slice(-10).join(', ')}` : 'it has no runs'}; see gridrewire runs)`);
  }
  return run;
}

export function buildReport(store: Store, runId: number, opts: ReportOptions = {}): ReportData {
  const run = reportRun(store, runId);
  const detailN = opts.detail ?? DEFAULT_DETAIL;
  if (!Number.isInteger(detailN) || detailN < 0) throw new ReportError(`detail must be a whole number of contingencies (0 or more), got ${detailN}`);
  const other = opts.compareTo === undefined ? null : reportRun(store, opts.compareTo);
  if (other && other.id === run.id) throw new ReportError(`--compare-to ${other.id} is the run reported on; compare with another run`);
  if (other && other.kind !== run.kind) throw new ReportError(`run ${other.id} has ${other.kind} outages and run ${run.id} ${run.kind} outages: they cannot be compared`);

  const info = store.cases.get(run.caseId)!;
  const text = store.cases.getText(run.caseId);
  const c = store.cases.getParsed(run.caseId);
  const records = store.n1.getRecords(run.id, { orderBy: 'severity' });
  const rows = rankContingencies(records, run.kind);
  const notes: string[] = [];

  // Solve again: the base case and the worst insecure outages.
  const solver = openSolver(c, run, notes);
  const picked = pickDetailed(rows, detailN);
  const solvedAgain = new Map<number, OutageViolations>();
  const details: ContingencyDetail[] = [];
  for (const r of picked) {
    // A divergence has no state to list violations of: its row says so without a solve.
    const v = solver && r.verdict !== 'diverged' ? solver.violations(r.element) : null;
    if (v) solvedAgain.set(r.element, v);
    details.push({ element: r.element, label: r.label, verdict: r.verdict, overloads: v?.overloads ?? [], voltages: v?.voltages ?? [], lostLoadMW: r.lostLoadMW, lostGenMW: r.lostGenMW, cutBuses: r.cutBuses });
  }
  const insecure = rows.length - rows.filter((r) => r.verdict === 'secure').length;
  if (insecure > details.length) notes.push(`${details.length} of the ${insecure} insecure contingencies are solved again for their violations (the worst of each verdict first; --detail sets how many); the others are listed with their stored worst overload and voltage range.`);

  const data: ReportData = {
    format: 'gridrewire-report', version: 1,
    title: `N-1 contingency report: ${info.name}, run ${run.id}`,
    generatedAt: new Date().toISOString(), generator: opts.generator ?? 'GridRewire',
    case: { id: info.id, name: info.name, sourceFile: info.sourceFile, buses: info.nbus, branches: info.nbranch, gens: info.ngen, baseMVA: c.baseMVA, hash: info.hash },
    rules: {
      ratingSet: 'RATE_A (long-term rating, MVA)', limitTolerance: LIMIT_TOL, loadingMargin: LOADING_MARGIN, voltageMarginPu: VOLTAGE_MARGIN,
      newtonTolerancePu: NEWTON_TOL, newtonMaxIterations: NEWTON_MAX_IT, unlimitedRatingMVA: UNLIMITED_RATE, voltageLimits: 'VMIN and VMAX of each bus (p.u.)',
      engineOptions: run.config.options,
    },
    run: runSection(run),
    summary: summarise(rows, details),
    baseCase: solver?.base ?? null,
    contingencies: rows, details, crossReference: crossReference(details, rows),
    map: null, surrogate: null, comparison: null, notes,
  };
  if (data.run.partial) {
    notes.unshift(`Partial: run ${run.id} is ${run.stale ? 'interrupted (its process is gone)' : run.status}; ${run.done} of ${run.total} contingencies (${((100 * run.done) / Math.max(1, run.total)).toFixed(1)} %) are computed and reported here.`);
  }
  data.map = worstOutageMap(store, c, run, rows, solvedAgain, solver, opts.mapSize ?? { width: 760, height: 430 }, notes);
  if (run.mode === 'screen' && opts.model !== null) {
    data.surrogate = screenSection(store, c, text, run, rows, opts, notes);
  } else if (run.mode === 'ac' && run.kind === 'branch' && opts.model !== null) {
    try {
      data.surrogate = surrogateSection(store, c, text, rows, opts, notes);
    } catch (e) {
      // A model asked for by id must work; the newest one found by itself only adds to the report.
      if (opts.model !== undefined) throw e;
      notes.push(`The surrogate section is left out: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (other) {
    const otherRows = rankContingencies(store.n1.getRecords(other.id, { orderBy: 'severity' }), other.kind);
    data.comparison = compareRuns(rows, otherRows, other.id, other.startedAt, other.caseId === run.caseId);
    if (other.caseId !== run.caseId) notes.push(`Run ${other.id} is of another case (${other.caseName}); outages are matched by element row.`);
  }
  return data;
}

function runSection(run: N1Run): ReportRun {
  const engine = run.mode === 'dc' ? 'DC-LODF screen (linear, no voltages)' : run.mode === 'ac' ? 'AC Newton-Raphson, every outage solved exactly' : `${run.mode} run`;
  return {
    id: run.id, mode: run.mode, kind: run.kind, status: run.stale ? 'interrupted' : run.status, total: run.total, done: run.done, partial: run.done < run.total,
    startedAt: run.startedAt, finishedAt: run.finishedAt, seconds: run.seconds, engine, machine: run.machine ?? null, error: run.error,
  };
}

interface Solver {
  base: ReportData['baseCase'];
  violations(element: number): OutageViolations | null;
  /** 0-based case branch row of a branch element; -1 for generators. */
  outagedRow(element: number): number;
}

function openSolver(c: Case, run: N1Run, notes: string[]): Solver | null {
  try {
    if (run.mode === 'dc') {
      const screen = new DcScreen(compile(c));
      return { base: dcBaseCase(screen), violations: (row) => dcViolations(screen, row, c.branch.length), outagedRow: (row) => row - 1 };
    }
    const e = N1Engine.forCase(c, run.config.options as EngineOptions);
    return {
      base: acBaseCase(e),
      violations: (el) => {
        try {
          return acViolations(e, run.kind, el);
        } catch (err) {
          // Its row keeps the stored verdict; the report says why its violations are missing rather than listing none.
          notes.push(`The outage of ${run.kind} ${el} could not be solved again (${err instanceof Error ? err.message : String(err)}): its violations are not listed.`);
          return null;
        }
      },
      outagedRow: (el) => (run.kind === 'branch' ? el - 1 : -1),
    };
  } catch (e) {
    notes.push(`The base case could not be solved again (${e instanceof Error ? e.message : String(e)}): violations are not listed.`);
    return null;
  }
}

/** Positions per bus row: the case file's coordinates, else the stored layout (complete), else null. */
function busPositions(store: Store, c: Case, caseId: number): { xy: Float64Array; source: string } | null {
  const coords = caseCoordinates(c).coordinates;
  const stored = store.layouts.get(caseId);
  if (coords) {
    const xy = Float64Array.from(coords.xy);
    const row = new Map(c.bus.map((b, i) => [b[BUS_I], i]));
    for (const p of stored) { const i = row.get(p.bus); if (i !== undefined) { xy[2 * i] = p.x; xy[2 * i + 1] = p.y; } }
    return { xy, source: `the case file's coordinates (mpc.${coords.field})` };
  }
  if (stored.length === 0) return null;
  const at = new Map(stored.map((p) => [p.bus, p]));
  const xy = new Float64Array(2 * c.bus.length).fill(NaN);
  let missing = 0;
  c.bus.forEach((b, i) => { const p = at.get(b[BUS_I]); if (p) { xy[2 * i] = p.x; xy[2 * i + 1] = p.y; } else missing++; });
  if (missing > c.bus.length / 2) return null;
  return { xy, source: missing ? `the stored layout (${missing} buses without a position left out)` : 'the stored layout' };
}

/** The worst outage with counted violations on the map (an island or a divergence may have no loadings to draw). */
function worstOutageMap(
  store: Store, c: Case, run: N1Run, rows: readonly ReportContingency[], solvedAgain: Map<number, OutageViolations>, solver: Solver | null,
  size: { width: number; height: number }, notes: string[],
): MapPicture | null {
  const pos = busPositions(store, c, run.caseId);
  if (!pos) {
    notes.push('No map: the case has no bus coordinates and no stored layout yet (open it once in the app, which lays it out and stores the layout).');
    return null;
  }
  if (!solver) return null;
  // The worst outage with violations to show, else the worst with a solved state.
  const violating = (r: ReportContingency) => { const v = solvedAgain.get(r.element); return !!v && v.overloads.length + v.voltages.length > 0; };
  const pick = rows.find(violating) ?? rows.find((r) => solvedAgain.get(r.element)?.loadingByRow.some(Number.isFinite));
  const first = pick ?? rows[0];
  if (!first) return null;
  const v = solvedAgain.get(first.element) ?? solver.violations(first.element);
  if (!v) return null;
  const rowOf = new Map(c.bus.map((b, i) => [b[BUS_I], i]));
  const nbr = c.branch.length;
  const from = new Int32Array(nbr), to = new Int32Array(nbr), inService = new Uint8Array(nbr), overloaded = new Uint8Array(nbr);
  c.branch.forEach((b, r) => { from[r] = rowOf.get(b[F_BUS])!; to[r] = rowOf.get(b[T_BUS])!; inService[r] = b[BR_STATUS] !== 0 ? 1 : 0; });
  for (const o of v.overloads) overloaded[o.branch - 1] = 1;
  const violatedBus = v.violatedBusRow.length ? v.violatedBusRow : new Uint8Array(c.bus.length);
  return mapPicture({
    xy: pos.xy, branchFrom: from, branchTo: to, inService, loading: v.loadingByRow, overloaded, violatedBus,
    outagedRow: solver.outagedRow(first.element), outage: { element: first.element, label: first.label, verdict: first.verdict }, source: pos.source,
  }, size.width, size.height);
}

/** The newest usable model of the case's grid, or null. */
function newestModel(store: Store, c: Case): number | null {
  const net = compile(c);
  const models = store.models.list();
  for (let i = models.length - 1; i >= 0; i--) {
    const r = readSurrogate(models[i]);
    if (r.status === 'usable' && !signatureMismatch(r.config.grid, net)) return models[i].id;
  }
  return null;
}

/** The card of a stored model of the case's grid; refuses an unknown, unusable or foreign model. */
function modelCard(store: Store, c: Case, id: number): { card: ModelCard; datasetId: number | null; threshold: number } {
  const m = store.models.get(id);
  if (!m) throw new ReportError(`there is no model ${id} in ${store.path}`);
  const read = readSurrogate(m);
  if (read.status !== 'usable') throw new ReportError(`model ${id} ${read.problem}`);
  const why = signatureMismatch(read.config.grid, compile(c));
  if (why !== null) throw new ReportError(`model ${id} is a model of ${read.config.grid.caseName}, not of ${c.name} (${why})`);
  const o = (m.metrics ?? {}) as Record<string, unknown>;
  const params = (o.params ?? {}) as Record<string, unknown>;
  const test = metricsOf(o.test);
  const card: ModelCard = {
    id, name: m.name, method: read.config.method, regrow: read.config.regrow, sparsity: read.config.sparsity,
    paramsKept: figure(params.kept), density: figure(params.fraction), threshold: read.config.threshold, epochs: figure(o.epochs),
    test: Object.fromEntries(Object.entries(test ?? {}).filter(([k, v]) => typeof v === 'number' && Number.isFinite(v) && k !== 'samples' && k !== 'insecure')) as Record<string, number>,
  };
  return { card, datasetId: m.datasetId ?? null, threshold: read.config.threshold };
}

/** The top explaining branches and connections of the worst insecure (non-islanded) outages. */
function explainWorst(store: Store, c: Case, text: string, id: number, rows: readonly ReportContingency[], count: number, notes: string[], fallback: (element: number) => { verdict: string; pInsecure: number } | undefined): ExplainedOutage[] {
  const explained: ExplainedOutage[] = [];
  const ex = new Explanations(store, null);
  const hash = createHash('sha256').update(text).digest('hex');
  for (const r of rows.filter((x) => isInsecure(x.verdict) && x.verdict !== 'islanded').slice(0, count)) {
    try {
      const e = ex.explainCase(c, hash, r.element, { model: id }).explanation;
      explained.push({
        element: r.element, label: r.label, verdict: e.verdict, pInsecure: e.pInsecure,
        branches: (e.grid?.branches ?? []).slice(0, 5).map((b) => ({ branch: b.branch, from: b.from, to: b.to, attribution: b.attribution })),
        connections: (e.network?.connections ?? []).slice(0, 5).map((k) => ({ layer: k.layer, from: k.from, to: k.to, attribution: k.attribution })),
      });
    } catch (err) {
      const p = fallback(r.element);
      if (p) explained.push({ element: r.element, label: r.label, verdict: p.verdict, pInsecure: p.pInsecure, branches: [], connections: [] });
      notes.push(`The explanation of ${r.label} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return explained;
}

function surrogateSection(store: Store, c: Case, text: string, rows: readonly ReportContingency[], opts: ReportOptions, notes: string[]): SurrogateSection | null {
  const id = opts.model ?? newestModel(store, c);
  if (id === null || id === undefined) return null;
  const { card, datasetId } = modelCard(store, c, id);
  const predicted = predictCase(loadSurrogate(store, id), c);
  const byBranch = new Map(predicted.contingencies.map((p) => [p.branch, p]));
  const exact = new Map(rows.map((r) => [r.element, isInsecure(r.verdict)]));
  const surrogate = new Map(predicted.contingencies.filter((p) => exact.has(p.branch)).map((p) => [p.branch, p.verdict !== 'secure']));
  const explained = explainWorst(store, c, text, id, rows, opts.explain ?? 3, notes, (b) => byBranch.get(b));
  return {
    model: card, source: `predicted for this report at the case's operating point (model ${id}), beside the run's exact verdicts`,
    agreement: agreement(exact, surrogate), savings: null, explained,
    note: `Trained on dataset ${datasetId ?? '–'}; a screened run would add what it saved.`,
  };
}

/**
 * A verified screen's surrogate section: its model, what it saved (outages
 * left to the surrogate, and the time against a full AC run of the same case
 * when one is stored), and its agreement with the exact verdicts where the
 * exact engine judged (the flagged and banded outages; islanded ones are
 * decided by topology and left out).
 */
function screenSection(store: Store, c: Case, text: string, run: N1Run, rows: readonly ReportContingency[], opts: ReportOptions, notes: string[]): SurrogateSection | null {
  const sc = run.config.screen;
  if (!sc) return null;
  const { card, datasetId, threshold } = modelCard(store, c, sc.modelId);
  const records = store.n1.getRecords(run.id, { orderBy: 'element' });
  const exact = new Map<number, boolean>(), surrogate = new Map<number, boolean>();
  const prob = new Map<number, number>();
  let judgedExactly = 0, judgedBySurrogate = 0, judgedByTopology = 0;
  for (const r of records) {
    const row = r.branch ?? r.gen ?? 0;
    if (r.probability !== null) prob.set(row, r.probability);
    if (r.judgedBy === 'surrogate') { judgedBySurrogate++; continue; }
    if (r.judgedBy === 'topology') { judgedByTopology++; continue; }
    judgedExactly++;
    if (r.verdict === 'islanded' || r.probability === null) continue;
    exact.set(row, isInsecure(r.verdict));
    surrogate.set(row, r.probability >= sc.threshold);
  }
  const full = store.n1.listRuns({ caseId: run.caseId, status: 'done' }).filter((x) => x.mode === 'ac' && x.kind === run.kind && x.total > 0 && x.seconds !== null);
  const ref = full.at(-1);
  const fullSeconds = ref ? (ref.seconds! / ref.total) * run.total : null;
  const secondsSaved = fullSeconds !== null && run.seconds !== null ? fullSeconds - run.seconds : null;
  if (ref) notes.push(`The screening's time saved is measured against the full AC run ${ref.id} of the same case (${ref.seconds!.toFixed(1)} s for ${ref.total} outages).`);
  const explained = explainWorst(store, c, text, sc.modelId, rows, opts.explain ?? 3, notes, (b) => (prob.has(b) ? { verdict: prob.get(b)! >= threshold ? 'insecure' : 'secure', pInsecure: prob.get(b)! } : undefined));
  return {
    model: card,
    source: `the screened run's own probabilities (model ${sc.modelId}, threshold ${sc.threshold.toFixed(3)}, band down to ${sc.band.toFixed(3)}); agreement over the ${exact.size} non-islanded outages the exact engine judged`,
    agreement: agreement(exact, surrogate), savings: { exact: judgedExactly, surrogate: judgedBySurrogate, topology: judgedByTopology, why: sc.why ?? null, secondsSaved }, explained,
    note: `Trained on dataset ${datasetId ?? '–'}. Outages left to the surrogate keep its verdict (secure, below the band); only the exactly judged ones can be checked here.`,
  };
}
