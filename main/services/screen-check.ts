// A verified screen beside the full AC run: what the full run costs (measured
// by a run of the same operating point, or estimated per outage from a stored
// run of the same grid) and, when the same operating point has a full AC run
// in the store, every insecure outage the screen left to the surrogate.

import type { JudgedRecord, Verdict } from '../core/grid/contingency-types';
import type { N1RunSummary, Store } from '../store';

export interface FullAcCost {
  seconds: number;
  /** 'measured': a full AC run of this operating point (now, or stored); 'estimated': per outage from a stored run of another point of the grid. */
  how: 'measured' | 'estimated';
  runId: number;
}

export interface ScreenMiss {
  branch: number;
  /** The exact verdict the full AC run gives. */
  verdict: Verdict;
  probability: number | null;
}

/** Done full AC runs of every branch, newest first, with the case's size. */
function fullAcRuns(store: Store, caseId?: number): N1RunSummary[] {
  return store.n1.listRuns({ caseId, status: 'done' }).filter((r) => r.mode === 'ac' && r.kind === 'branch').reverse();
}

/** A done full AC run of the same case content (the same operating point) over the same outages; null if none. */
export function fullAcRunOf(store: Store, caseId: number, outages: readonly number[], except?: number): N1RunSummary | null {
  const want = new Set(outages);
  for (const r of fullAcRuns(store, caseId)) {
    if (r.id === except) continue;
    const els = store.n1.getRun(r.id)!.config.elements;
    if (els.length === want.size && els.every((e) => want.has(e))) return r;
  }
  return null;
}

/** What a full AC run of the screened case costs: stored for this operating point, else estimated from a run of the same grid (same name and branch count). */
export function fullAcCost(store: Store, caseId: number, caseName: string, outages: readonly number[]): FullAcCost | null {
  const same = fullAcRunOf(store, caseId, outages);
  if (same && same.seconds !== null) return { seconds: same.seconds, how: 'measured', runId: same.id };
  const nbranch = store.cases.get(caseId)?.nbranch;
  for (const r of fullAcRuns(store)) {
    if (r.caseName !== caseName || r.seconds === null || r.total === 0) continue;
    if (store.cases.get(r.caseId)?.nbranch !== nbranch) continue;
    return { seconds: (r.seconds / r.total) * outages.length, how: 'estimated', runId: r.id };
  }
  return null;
}

/** Outages the screen judged by the surrogate that the full AC run finds insecure, worst verdict first. */
export function screenMisses(screened: readonly JudgedRecord[], full: readonly { branch?: number; verdict: Verdict; severity: number }[]): ScreenMiss[] {
  const exact = new Map(full.filter((r) => r.branch !== undefined).map((r) => [r.branch!, r]));
  const out: (ScreenMiss & { severity: number })[] = [];
  for (const r of screened) {
    if (r.judgedBy !== 'surrogate' || r.branch === undefined) continue;
    const e = exact.get(r.branch);
    if (e && e.verdict !== 'secure') out.push({ branch: r.branch, verdict: e.verdict, probability: r.probability, severity: e.severity });
  }
  return out.sort((a, b) => b.severity - a.severity || a.branch - b.branch).map(({ severity: _s, ...m }) => m);
}
