// The report's tables, laid out once for every renderer: columns with their
// unit, raw values per row (XLSX keeps the numbers), and how each value reads
// (HTML and PDF print that). Units sit in the headers and on the values that
// carry them (%, p.u., MW, MVA), so that no number stands without one.

import { VERDICTS } from '../grid/contingency-types';
import { isInsecure } from './summary';
import type { ContingencyDetail, ExactReasons, ReportData, ReportContingency } from './types';

export type Value = string | number | null;

export interface Column {
  header: string;
  /** Unit shown in the header, e.g. 'MVA'; loading columns hold fractions shown as %. */
  unit?: string;
  /** 'pct': a fraction shown as a percentage; 'pu': 4 decimals; 'mw': 1 decimal; 'int'; 'num3': 3 decimals; 'sci': exponent. */
  kind: 'text' | 'int' | 'pct' | 'pp' | 'pu' | 'mw' | 'num3' | 'sci';
  /** Relative width for the PDF. */
  width?: number;
}

export interface Table {
  id: string;
  title: string;
  note?: string;
  columns: Column[];
  rows: Value[][];
}

export function formatValue(c: Column, v: Value): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'string') return v;
  // Not computed (a surrogate's or topology's record has no voltages, topology's no loading).
  if (Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return String(v);
  switch (c.kind) {
    case 'int': return String(Math.round(v));
    case 'pct': return `${(v * 100).toFixed(1)} %`;
    case 'pp': return `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)} pp`;
    case 'pu': return `${v.toFixed(4)} p.u.`;
    case 'mw': return `${v.toFixed(1)} ${c.unit ?? 'MW'}`;
    case 'num3': return v.toFixed(3);
    case 'sci': return v.toExponential(1);
    default: return String(v);
  }
}

export const headerOf = (c: Column): string => (c.unit ? `${c.header} (${c.unit})` : c.header);

const col = (header: string, kind: Column['kind'], unit?: string, width?: number): Column => ({ header, kind, unit, width });

/** Key-value rows: the value's unit goes with the value. */
function keyValues(id: string, title: string, rows: [string, string][], note?: string): Table {
  return { id, title, note, columns: [col('item', 'text', undefined, 1), col('value', 'text', undefined, 2.2)], rows };
}

export function caseTable(d: ReportData): Table {
  const c = d.case;
  return keyValues('case', 'Case', [
    ['name', c.name], ['file', c.sourceFile ?? '–'], ['buses', `${c.buses}`], ['branches', `${c.branches}`], ['generators', `${c.gens}`],
    ['base MVA', `${c.baseMVA} MVA`], ['content hash (sha256)', c.hash],
  ]);
}

export function rulesTable(d: ReportData): Table {
  const r = d.rules;
  const opts = Object.entries(r.engineOptions).map(([k, v]) => `${k}=${String(v)}`).join(', ') || 'defaults (reactive limits not enforced, slack at the reference bus)';
  return keyValues('rules', 'Rules', [
    ['rating set', r.ratingSet], ['voltage limits', r.voltageLimits],
    ['overload counts above', `100 % of the rating; a base-case overload must grow by more than ${(r.loadingMargin * 100).toFixed(0)} pp`],
    ['voltage violation counts', `beyond its limit; a base-case violation must grow by more than ${r.voltageMarginPu} p.u.`],
    ['comparison tolerance', `${r.limitTolerance}`], ['Newton-Raphson', `mismatch ${r.newtonTolerancePu} p.u. (max norm), at most ${r.newtonMaxIterations} iterations`],
    ['no limit', `RATE_A = 0 or at least ${r.unlimitedRatingMVA.toExponential(0)} MVA`], ['engine options', opts],
  ]);
}

export function runTable(d: ReportData): Table {
  const r = d.run;
  return keyValues('run', 'Run', [
    ['run', `${r.id}`], ['engine', r.engine], ['contingencies', `${r.kind} outages, ${r.done} of ${r.total} computed`], ['status', r.partial ? `${r.status} (partial)` : r.status],
    ['started', r.startedAt], ['finished', r.finishedAt ?? '–'], ['compute time', r.seconds === null ? '–' : `${r.seconds.toFixed(1)} s`],
    ['machine', r.machine ?? 'not recorded with this run'], ['report made', `${d.generatedAt} by ${d.generator}`],
    ...(r.error ? [['error', r.error] as [string, string]] : []),
  ]);
}

export function verdictTable(d: ReportData): Table {
  const n = d.contingencies.length || 1;
  return {
    id: 'verdicts', title: 'Summary by verdict', columns: [col('verdict', 'text', undefined, 2), col('contingencies', 'int', undefined, 1), col('share', 'pct', undefined, 1)],
    rows: VERDICTS.map((v) => [v, d.summary.byVerdict[v], d.summary.byVerdict[v] / n]),
  };
}

export function typeTable(d: ReportData): Table {
  const t = d.summary.byType;
  const rows: Value[][] = [
    ['thermal (overload)', t.thermal], ['low voltage', t.lowVoltage], ['high voltage', t.highVoltage],
    ['islanding with lost load', t.islandedWithLostLoad], ['islanding, generation only', t.islandedGenerationOnly], ['not converged', t.notConverged],
  ];
  if (t.voltageUnclassified > 0) rows.push(['voltage, not told low from high', t.voltageUnclassified]);
  return {
    id: 'types', title: 'Summary by violation type',
    note: 'A contingency counts under each type it has. Low and high voltage are told apart on the contingencies solved again for the detail.',
    columns: [col('violation type', 'text', undefined, 2), col('contingencies', 'int', undefined, 1)], rows,
  };
}

const OVERLOAD_COLUMNS = [col('branch', 'int', undefined, 0.7), col('from-to', 'text', undefined, 1.2), col('flow', 'mw', 'MVA', 1), col('rating', 'mw', 'MVA', 1), col('loading', 'pct', undefined, 1)];

export function baseCaseTables(d: ReportData): Table[] {
  const b = d.baseCase;
  if (!b) return [];
  const out: Table[] = [{
    id: 'base-overloads', title: 'Base-case overloads', note: b.overloads.length ? 'Violations of the base case count in a contingency only when they get worse.' : 'None.',
    columns: OVERLOAD_COLUMNS, rows: b.overloads.map((o) => [o.branch, `${o.from}-${o.to}`, o.flowMVA, o.rateMVA, o.loading]),
  }];
  if (d.run.mode !== 'dc') {
    out.push({
      id: 'base-voltages', title: 'Base-case voltage violations', note: b.voltages.length ? undefined : 'None.',
      columns: [col('bus', 'int'), col('kind', 'text'), col('voltage', 'pu'), col('limit', 'pu')],
      rows: b.voltages.map((v) => [v.bus, v.kind, v.vm, v.limit]),
    });
  }
  return out;
}

/** The ranked insecure contingencies (every one; the secure ones are in the CSV, XLSX and JSON). */
export function rankedTable(d: ReportData): Table {
  const dc = d.run.mode === 'dc';
  const cols = [
    col('rank', 'int', undefined, 0.6), col('outage', 'text', undefined, 1.9), col('verdict', 'text', undefined, 1.4), col('severity', 'num3', undefined, 0.9),
    col('max loading', 'pct', undefined, 1), col('overloads', 'int', undefined, 0.8), col('worst branch', 'int', undefined, 0.8),
    ...(dc ? [] : [col('min V', 'pu', undefined, 1.1), col('max V', 'pu', undefined, 1.1), col('V viol.', 'int', undefined, 0.6)]),
    col('lost load', 'mw', 'MW', 1), col('lost gen', 'mw', 'MW', 1),
  ];
  const insecure = d.contingencies.filter((r) => isInsecure(r.verdict));
  const byTopology = insecure.some((r) => r.judgedBy === 'topology');
  const rows = insecure.map((r) => [
    r.rank, r.label, r.judgedBy === 'topology' ? `${r.verdict} (topology)` : r.verdict, r.severity, r.converged ? r.maxLoading : null, r.nOverloads, r.worstBranch,
    ...(dc ? [] : r.converged ? [r.minVm, r.maxVm, r.nVoltageViolations] : [null, null, r.nVoltageViolations]),
    r.lostLoadMW, r.lostGenMW,
  ]);
  const note = !rows.length ? 'None: every computed contingency is secure.'
    : byTopology ? '"(topology)": islanded outages the screen decided by topology alone; their main island was not solved, so they have no loadings or voltages.' : undefined;
  return { id: 'insecure', title: 'Insecure contingencies, worst first', note, columns: cols, rows };
}

/** One row per violation of the contingencies solved again (also the CSV's second file). */
export function violationTable(d: ReportData): Table {
  const rank = new Map(d.contingencies.map((r) => [r.element, r.rank]));
  const rows: Value[][] = [];
  for (const x of d.details) {
    const r = rank.get(x.element) ?? null;
    for (const o of x.overloads) rows.push([r, x.label, 'thermal', `branch ${o.branch} (${o.from}-${o.to})`, o.flowMVA, o.rateMVA, o.loading, o.change, null, null]);
    for (const v of x.voltages) rows.push([r, x.label, `${v.kind} voltage`, `bus ${v.bus}`, null, null, null, null, v.vm, v.limit]);
    if (x.verdict === 'islanded') rows.push([r, x.label, 'islanding', `${x.cutBuses} bus${x.cutBuses === 1 ? '' : 'es'} cut off: ${x.lostLoadMW.toFixed(1)} MW load, ${x.lostGenMW.toFixed(1)} MW gen lost`, null, null, null, null, null, null]);
    if (x.verdict === 'diverged') rows.push([r, x.label, 'not converged', 'whole grid', null, null, null, null, null, null]);
  }
  return {
    id: 'violations', title: `Violations of the ${d.details.length} worst contingencies solved again`,
    note: 'Solved again with the engine of the run. Thermal: flow and rating in MVA (DC: MW), change from base in points of the rating. Islanding: what the island cut off carried.',
    columns: [
      col('rank', 'int', undefined, 0.5), col('outage', 'text', undefined, 1.7), col('type', 'text', undefined, 1), col('element', 'text', undefined, 1.6),
      col('flow', 'mw', 'MVA', 0.9), col('rating', 'mw', 'MVA', 0.9), col('loading', 'pct', undefined, 0.9), col('change', 'pp', 'from base', 0.9),
      col('voltage', 'pu', undefined, 1), col('limit', 'pu', undefined, 1),
    ],
    rows,
  };
}

export function crossReferenceTable(d: ReportData, perElement = 5): Table {
  return {
    id: 'cross-reference', title: 'Overloaded elements and the contingencies that overload them',
    note: `Worst first; at most ${perElement} named per element. "Also worst of": insecure contingencies not solved again whose worst overload is this branch.`,
    columns: [col('branch', 'int', undefined, 0.6), col('from-to', 'text', undefined, 0.9), col('rating', 'mw', 'MVA', 0.8), col('overloaded by', 'int', undefined, 0.8), col('worst loading', 'pct', undefined, 0.9), col('contingencies (loading)', 'text', undefined, 4), col('also worst of', 'int', undefined, 0.7)],
    rows: d.crossReference.map((x) => [
      x.branch, `${x.from}-${x.to}`, x.rateMVA, x.contingencies.length, x.contingencies[0].loading,
      x.contingencies.slice(0, perElement).map((c) => `${c.label} ${(c.loading * 100).toFixed(1)} %`).join('; ') + (x.contingencies.length > perElement ? `; +${x.contingencies.length - perElement} more` : ''),
      x.alsoWorstOf,
    ]),
  };
}

/** The screen's time against the full AC run's, said the right way round when the screen was slower. */
export function timeSaved(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '–';
  const s = (x: number) => `${x.toFixed(x < 10 ? 2 : 1)} s`;
  return seconds >= 0 ? s(seconds) : `none: screen slower by ${s(-seconds)}`;
}

/** The exact outages by why they were solved (a screen solves the unsettled ones although the surrogate called them secure). */
function whyRows(why: ExactReasons): [string, string][] {
  return [
    ['of which flagged (P(insecure) at or above the threshold)', `${why.flagged}`],
    ['of which in the safety band below the threshold', `${why.inBand}`],
    ['of which below the band, AC-step estimate unsettled', `${why.unsettled}`],
  ];
}

export function surrogateTables(d: ReportData): Table[] {
  const s = d.surrogate;
  if (!s) return [];
  const m = s.model;
  const metrics = Object.entries(m.test).map(([k, v]) => `${k} ${k.includes('loss') || k.includes('mae') ? v.toFixed(4) : (v * 100).toFixed(1) + ' %'}`).join(', ');
  const out: Table[] = [keyValues('model', 'Surrogate model card', [
    ['model', `${m.id} (${m.name})`], ['method', m.method], ['regrowth', m.regrow], ['sparsity', `${(m.sparsity * 100).toFixed(0)} %`],
    ['parameters kept', m.paramsKept === null ? '–' : `${m.paramsKept}${m.density === null ? '' : ` (density ${(m.density * 100).toFixed(1)} %)`}`],
    ['threshold', `${m.threshold.toFixed(3)} (probability of insecurity)`], ['epochs', m.epochs === null ? '–' : `${m.epochs}`], ['test metrics', metrics || '–'],
    ['verdicts', s.source],
  ], s.note ?? undefined)];
  if (s.savings) {
    out.push(keyValues('savings', 'Screening savings', [
      ['judged by the exact engine', `${s.savings.exact}`],
      ...(s.savings.why ? whyRows(s.savings.why) : []),
      ['judged by the surrogate alone', `${s.savings.surrogate}`],
      ...(s.savings.topology > 0 ? [['islanded, decided by topology (not solved)', `${s.savings.topology}`] as [string, string]] : []),
      ['time saved', timeSaved(s.savings.secondsSaved)],
    ]));
  }
  if (s.agreement) {
    const a = s.agreement;
    out.push({
      id: 'agreement', title: `Agreement with the exact verdicts (${a.compared} outages; accuracy ${(a.accuracy * 100).toFixed(1)} %, recall ${(a.recall * 100).toFixed(1)} %)`,
      columns: [col('exact verdict', 'text', undefined, 1.4), col('surrogate: insecure', 'int', undefined, 1), col('surrogate: secure', 'int', undefined, 1)],
      rows: [['insecure', a.bothInsecure, a.missed], ['secure', a.falseAlarms, a.bothSecure]],
    });
  }
  if (s.explained.length) {
    out.push({
      id: 'explanations', title: 'Why the surrogate judges the worst contingencies so',
      note: 'Integrated gradients: the grid branches and the network connections its verdict rests on most (positive: towards insecure).',
      columns: [col('outage', 'text', undefined, 1.5), col('surrogate', 'text', undefined, 1.1), col('P(insecure)', 'pct', undefined, 0.8), col('top branches (attribution)', 'text', undefined, 3), col('top connections (attribution)', 'text', undefined, 3)],
      rows: s.explained.map((e) => [
        e.label, e.verdict, e.pInsecure,
        e.branches.map((b) => `${b.branch} (${b.from}-${b.to}) ${b.attribution.toFixed(3)}`).join('; ') || '–',
        e.connections.map((c) => `${c.layer} ${c.from}>${c.to} ${c.attribution.toFixed(3)}`).join('; ') || '–',
      ]),
    });
  }
  return out;
}

export function comparisonTables(d: ReportData): Table[] {
  const c = d.comparison;
  if (!c) return [];
  const cols = [col('outage', 'text', undefined, 1.5), col('change', 'text', undefined, 1.4), col(`run ${c.otherRunId}`, 'text', undefined, 3), col(`run ${d.run.id}`, 'text', undefined, 3)];
  const t = (id: string, title: string, list: typeof c.added): Table => ({ id, title: `${title} (${list.length})`, note: list.length ? undefined : 'None.', columns: cols, rows: list.map((x) => [x.label, x.what, x.before, x.after]) });
  return [
    t('new', `New violations against run ${c.otherRunId}`, c.added),
    t('resolved', `Resolved since run ${c.otherRunId}`, c.resolved),
    t('worsened', `Worsened since run ${c.otherRunId}`, c.worsened),
  ];
}

/** Every table in reading order. */
export function allTables(d: ReportData): Table[] {
  return [
    caseTable(d), rulesTable(d), runTable(d), verdictTable(d), typeTable(d), ...baseCaseTables(d), rankedTable(d), violationTable(d), crossReferenceTable(d),
    ...surrogateTables(d), ...comparisonTables(d),
  ];
}

/** Every stored contingency, one row each (CSV and the XLSX sheet). */
export function contingencyRows(rows: readonly ReportContingency[]): { header: string[]; rows: Value[][] } {
  return {
    header: ['rank', 'element', 'from', 'to', 'verdict', 'severity', 'converged', 'iterations', 'max_loading', 'n_overloads', 'worst_branch', 'min_vm_pu', 'max_vm_pu', 'n_voltage_violations', 'cut_buses', 'lost_load_mw', 'lost_gen_mw', 'judged_by', 'p_insecure'],
    rows: rows.map((r) => [r.rank, r.element, r.from, r.to, r.verdict, r.severity, r.converged ? 1 : 0, r.iterations, r.maxLoading, r.nOverloads, r.worstBranch, r.minVm, r.maxVm, r.nVoltageViolations, r.cutBuses, r.lostLoadMW, r.lostGenMW, r.judgedBy, r.probability]),
  };
}

/** One row per violation of the detailed contingencies (the CSV's second file). */
export function violationRows(details: readonly ContingencyDetail[], rows: readonly ReportContingency[]): { header: string[]; rows: Value[][] } {
  const rank = new Map(rows.map((r) => [r.element, r.rank]));
  const out: Value[][] = [];
  for (const x of details) {
    const r = rank.get(x.element) ?? null;
    for (const o of x.overloads) out.push([r, x.element, x.verdict, 'thermal', 'branch', o.branch, o.from, o.to, o.flowMVA, o.rateMVA, o.loading, o.baseLoading, null, null, null]);
    for (const v of x.voltages) out.push([r, x.element, x.verdict, `${v.kind}_voltage`, 'bus', v.bus, null, null, null, null, null, null, v.vm, v.limit, v.baseVm]);
    if (x.verdict === 'islanded') out.push([r, x.element, x.verdict, 'islanding', 'island', x.cutBuses, null, null, x.lostLoadMW, null, null, null, null, null, null]);
    if (x.verdict === 'diverged') out.push([r, x.element, x.verdict, 'not_converged', 'grid', null, null, null, null, null, null, null, null, null, null]);
  }
  return {
    header: ['rank', 'element', 'verdict', 'type', 'where', 'id', 'from', 'to', 'flow_mva_or_lost_mw', 'rating_mva', 'loading', 'base_loading', 'vm_pu', 'limit_pu', 'base_vm_pu'],
    rows: out,
  };
}
