// The per-contingency record of ../shared/spec/n1.md, shared by the engine,
// the store, the API and reports.

export type Verdict = 'islanded' | 'diverged' | 'overload+voltage' | 'overload' | 'voltage' | 'secure';

/** Verdicts in rule order: the first that applies wins. */
export const VERDICTS: readonly Verdict[] = ['islanded', 'diverged', 'overload+voltage', 'overload', 'voltage', 'secure'];

export interface ContingencyRecord {
  /** 1-based branch row in the case file (branch contingencies). */
  branch?: number;
  /** 1-based gen row in the case file (generator contingencies). */
  gen?: number;
  /** From and to bus numbers (external); for a generator, its bus in both. */
  from: number;
  to: number;
  verdict: Verdict;
  converged: boolean;
  iterations: number;
  islanded: boolean;
  cutBuses: number;
  lostLoadMW: number;
  lostGenMW: number;
  /** max over rated branches of max(|Sf|,|St|)/RATE_A; 0 where nothing is rated. */
  maxLoading: number;
  nOverloads: number;
  /** 1-based branch row of the most loaded counted overload, or null. */
  worstBranch: number | null;
  minVm: number;
  maxVm: number;
  nVoltageViolations: number;
  /** Final mismatch (max norm, p.u.). */
  mismatch: number;
  /** Ranking score, larger is worse (see severity.ts). */
  severity: number;
}

export type ContingencyKind = 'branch' | 'gen';

/**
 * Who judged a record: the exact AC engine; or, in a verified screen, the
 * surrogate (its verdict, secure, was kept) or topology (islanded: the exact
 * verdict, cut-off buses and losses, without the main island's flows).
 */
export type JudgedBy = 'exact' | 'surrogate' | 'topology';
export const JUDGED_BY: readonly JudgedBy[] = ['exact', 'surrogate', 'topology'];

/** A record as an N-1 run keeps it: how it was judged, and the surrogate's P(insecure) (null outside a screen). */
export interface JudgedRecord extends ContingencyRecord {
  judgedBy: JudgedBy;
  probability: number | null;
}
