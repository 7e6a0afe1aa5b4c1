// A contingency record as the Api shows it: the same fields, nothing internal.

import type { ContingencyView } from '../api';
import type { ContingencyRecord, JudgedRecord } from '../core/grid/contingency-types';

export function contingencyView(r: ContingencyRecord | JudgedRecord): ContingencyView {
  const j = r as Partial<JudgedRecord>;
  // Only a screen's records say how they were judged (an AC or DC run's are all exact, without probability).
  const judged = (j.judgedBy !== undefined && j.judgedBy !== 'exact') || (j.probability !== undefined && j.probability !== null) ? { judgedBy: j.judgedBy ?? 'exact', probability: j.probability ?? null } : {};
  return {
    ...judged,
    branch: r.branch, gen: r.gen, from: r.from, to: r.to, verdict: r.verdict, severity: r.severity, converged: r.converged,
    iterations: r.iterations, islanded: r.islanded, cutBuses: r.cutBuses, lostLoadMW: r.lostLoadMW, lostGenMW: r.lostGenMW,
    maxLoading: r.maxLoading, nOverloads: r.nOverloads, worstBranch: r.worstBranch, minVm: r.minVm, maxVm: r.maxVm, nVoltageViolations: r.nVoltageViolations,
  };
}
