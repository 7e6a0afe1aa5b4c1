// The report's tables from the records and the solved-again details: ranked
// contingencies, counts by verdict and by violation type, the cross-reference
// (which contingencies overload each element), a run compared with another,
// and a surrogate's verdicts against the exact ones.

import { VERDICTS, type ContingencyKind, type ContingencyRecord, type Verdict } from '../grid/contingency-types';
import type {
  Agreement, ContingencyDetail, CrossReferenceRow, ReportContingency, ReportSummary, RunComparison, ViolationChange,
} from './types';

export const isInsecure = (v: Verdict): boolean => v !== 'secure';

export function outageLabel(kind: ContingencyKind, element: number, from: number, to: number): string {
  return kind === 'branch' ? `branch ${element} (${from}-${to})` : `gen ${element} (bus ${from})`;
}

/** Records worst first (severity, then element), numbered from 1. */
export function rankContingencies(records: readonly (ContingencyRecord & { judgedBy?: 'exact' | 'surrogate' | 'topology'; probability?: number | null })[], kind: ContingencyKind): ReportContingency[] {
  const el = (r: ContingencyRecord) => (kind === 'branch' ? r.branch! : r.gen!);
  const sorted = [...records].sort((a, b) => b.severity - a.severity || el(a) - el(b));
  return sorted.map((r, i) => ({
    rank: i + 1, label: outageLabel(kind, el(r), r.from, r.to), element: el(r), from: r.from, to: r.to, verdict: r.verdict, severity: r.severity,
    converged: r.converged, iterations: r.iterations, maxLoading: r.maxLoading, nOverloads: r.nOverloads, worstBranch: r.worstBranch,
    minVm: r.minVm, maxVm: r.maxVm, nVoltageViolations: r.nVoltageViolations, cutBuses: r.cutBuses, lostLoadMW: r.lostLoadMW, lostGenMW: r.lostGenMW,
    judgedBy: r.judgedBy ?? 'exact', probability: r.probability ?? null,
  }));
}

/**
 * Counts by verdict, and by violation type. A contingency counts under every
 * type it has: thermal and low voltage both for an overload+voltage one.
 * Low and high voltage need the violations themselves, known for the
 * contingencies solved again; the others are counted as unclassified.
 */
export function summarise(rows: readonly ReportContingency[], details: readonly ContingencyDetail[]): ReportSummary {
  const byVerdict = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  const detail = new Map(details.map((d) => [d.element, d]));
  const t = { thermal: 0, lowVoltage: 0, highVoltage: 0, islandedWithLostLoad: 0, islandedGenerationOnly: 0, notConverged: 0, voltageUnclassified: 0 };
  for (const r of rows) {
    byVerdict[r.verdict]++;
    if (r.verdict === 'diverged') t.notConverged++;
    if (r.verdict === 'islanded') { if (r.lostLoadMW > 0) t.islandedWithLostLoad++; else t.islandedGenerationOnly++; }
    if (r.verdict === 'overload' || r.verdict === 'overload+voltage') t.thermal++;
    if (r.verdict === 'voltage' || r.verdict === 'overload+voltage') {
      const d = detail.get(r.element);
      if (!d) { t.voltageUnclassified++; continue; }
      if (d.voltages.some((v) => v.kind === 'low')) t.lowVoltage++;
      if (d.voltages.some((v) => v.kind === 'high')) t.highVoltage++;
    }
  }
  const secure = byVerdict.secure;
  return { byVerdict, byType: t, secure, insecure: rows.length - secure, detailed: details.length };
}

/**
 * For each branch overloaded in any detailed contingency: those contingencies,
 * most loaded first. Elements listed by how many contingencies overload them,
 * then by the worst loading.
 */
export function crossReference(details: readonly ContingencyDetail[], rows: readonly ReportContingency[]): CrossReferenceRow[] {
  const byBranch = new Map<number, CrossReferenceRow>();
  for (const d of details) {
    for (const o of d.overloads) {
      let row = byBranch.get(o.branch);
      if (!row) byBranch.set(o.branch, (row = { branch: o.branch, from: o.from, to: o.to, rateMVA: o.rateMVA, contingencies: [], alsoWorstOf: 0 }));
      row.contingencies.push({ element: d.element, label: d.label, loading: o.loading, flowMVA: o.flowMVA });
    }
  }
  const detailed = new Set(details.map((d) => d.element));
  for (const r of rows) {
    if (r.worstBranch === null || detailed.has(r.element)) continue;
    const row = byBranch.get(r.worstBranch);
    if (row) row.alsoWorstOf++;
  }
  const out = [...byBranch.values()];
  for (const r of out) r.contingencies.sort((a, b) => b.loading - a.loading || a.element - b.element);
  return out.sort((a, b) => b.contingencies.length - a.contingencies.length || b.contingencies[0].loading - a.contingencies[0].loading || a.branch - b.branch);
}

/** The verdict of a record in words, for the comparison tables. */
function describe(r: ReportContingency): string {
  const parts: string[] = [r.verdict];
  if (r.nOverloads > 0) parts.push(`${r.nOverloads} overload${r.nOverloads > 1 ? 's' : ''}, max ${(r.maxLoading * 100).toFixed(1)} %`);
  if (r.nVoltageViolations > 0) parts.push(`${r.nVoltageViolations} voltage, ${r.minVm.toFixed(4)}-${r.maxVm.toFixed(4)} p.u.`);
  if (r.verdict === 'islanded') parts.push(`${r.lostLoadMW.toFixed(1)} MW load lost`);
  return parts.join('; ');
}

/** Worsened: insecure in both runs and more severe now by more than this. */
const WORSE_BY = 1e-6;

/** This run against another of the same contingencies: new, resolved and worsened violations. */
export function compareRuns(now: readonly ReportContingency[], other: readonly ReportContingency[], otherRunId: number, otherStartedAt: string, sameCase: boolean): RunComparison {
  const before = new Map(other.map((r) => [r.element, r]));
  const added: ViolationChange[] = [], resolved: ViolationChange[] = [], worsened: ViolationChange[] = [];
  const seen = new Set<number>();
  for (const r of now) {
    seen.add(r.element);
    const b = before.get(r.element);
    const was = b ? isInsecure(b.verdict) : false, is = isInsecure(r.verdict);
    if (is && !was) added.push({ element: r.element, label: r.label, what: 'verdict', before: b ? describe(b) : 'not computed', after: describe(r) });
    else if (!is && was) resolved.push({ element: r.element, label: r.label, what: 'verdict', before: describe(b!), after: describe(r) });
    else if (is && was && r.severity > b!.severity + WORSE_BY) {
      worsened.push({ element: r.element, label: r.label, what: `severity ${b!.severity.toFixed(3)} to ${r.severity.toFixed(3)}`, before: describe(b!), after: describe(r) });
    }
  }
  for (const b of other) {
    if (!seen.has(b.element) && isInsecure(b.verdict)) resolved.push({ element: b.element, label: b.label, what: 'verdict', before: describe(b), after: 'not computed in this run' });
  }
  return { otherRunId, otherStartedAt, sameCase, added, resolved, worsened };
}

/** A surrogate's binary verdicts against the exact ones, on the outages both judged. */
export function agreement(exact: ReadonlyMap<number, boolean>, surrogate: ReadonlyMap<number, boolean>): Agreement {
  let tp = 0, fn = 0, fp = 0, tn = 0;
  for (const [el, ins] of exact) {
    const s = surrogate.get(el);
    if (s === undefined) continue;
    if (ins && s) tp++; else if (ins) fn++; else if (s) fp++; else tn++;
  }
  const compared = tp + fn + fp + tn;
  return { bothInsecure: tp, missed: fn, falseAlarms: fp, bothSecure: tn, compared, accuracy: compared ? (tp + tn) / compared : 0, recall: tp + fn ? tp / (tp + fn) : 1 };
}
