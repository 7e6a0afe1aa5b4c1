// The contingency report of one stored N-1 run as plain data: the single
// source that the HTML, PDF, CSV, XLSX and JSON renderers all draw from (and
// the JSON format is this object itself). Built by services/report.ts from
// the store; nothing in here reads anything.

import type { ContingencyKind, ContingencyRecord, Verdict } from '../grid/contingency-types';

export const REPORT_FORMATS = ['html', 'pdf', 'csv', 'xlsx', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportCase {
  id: number;
  name: string;
  sourceFile: string | null;
  buses: number;
  branches: number;
  gens: number;
  baseMVA: number;
  /** sha256 of the case file's text, as the store identifies it. */
  hash: string;
}

/** The spec's rules the verdicts were judged by, read from core/grid/limits.ts. */
export interface ReportRules {
  ratingSet: string;
  limitTolerance: number;
  loadingMargin: number;
  voltageMarginPu: number;
  newtonTolerancePu: number;
  newtonMaxIterations: number;
  unlimitedRatingMVA: number;
  voltageLimits: string;
  /** The run's engine options as stored (enforceQLimits, slack ...). */
  engineOptions: Record<string, unknown>;
}

export interface ReportRun {
  id: number;
  /** 'ac' | 'dc' (a screened run says so in `engine`). */
  mode: string;
  kind: ContingencyKind;
  status: string;
  /** Contingencies asked for, and records stored. */
  total: number;
  done: number;
  /** Not every contingency has a record (a run in progress, cancelled, failed or killed). */
  partial: boolean;
  startedAt: string;
  finishedAt: string | null;
  /** Compute time of the run's sessions (s); null while it has not ended once. */
  seconds: number | null;
  engine: string;
  /** Where it was computed; null for runs stored before machines were recorded. */
  machine: string | null;
  error: string | null;
}

/** The stored record's fields a report shows (contingency-types.ts defines them). */
type RecordFields = Pick<ContingencyRecord, 'from' | 'to' | 'verdict' | 'severity' | 'converged' | 'iterations' | 'maxLoading' | 'nOverloads' | 'worstBranch' | 'minVm' | 'maxVm' | 'nVoltageViolations' | 'cutBuses' | 'lostLoadMW' | 'lostGenMW'>;

/** One contingency as the tables show it: the stored record, ranked. */
export interface ReportContingency extends RecordFields {
  rank: number;
  /** 'branch 12 (4-7)' or 'gen 3 (bus 5)'. */
  label: string;
  element: number;
  /** How the verdict was reached: by the exact engine, or (in a verified screen) kept from the surrogate, or decided by topology (islanded; no flows: maxLoading, minVm, maxVm NaN). */
  judgedBy: 'exact' | 'surrogate' | 'topology';
  /** The surrogate's P(insecure) in a verified screen; null otherwise. */
  probability: number | null;
}

/** A counted post-contingency overload. */
export interface BranchViolation {
  branch: number;
  from: number;
  to: number;
  /** max(|S_from|, |S_to|) after the outage (MVA; DC: |P| in MW). */
  flowMVA: number;
  rateMVA: number;
  loading: number;
  baseLoading: number;
  /** loading - baseLoading. */
  change: number;
}

/** A counted post-contingency voltage violation. */
export interface VoltageViolation {
  bus: number;
  kind: 'low' | 'high';
  vm: number;
  /** The limit it is beyond (VMIN or VMAX, p.u.). */
  limit: number;
  baseVm: number;
}

/** The worst violations of one insecure contingency, from its post-outage state solved again. */
export interface ContingencyDetail {
  element: number;
  label: string;
  verdict: Verdict;
  overloads: BranchViolation[];
  voltages: VoltageViolation[];
  lostLoadMW: number;
  lostGenMW: number;
  cutBuses: number;
}

export interface ViolationTypeCounts {
  thermal: number;
  lowVoltage: number;
  highVoltage: number;
  islandedWithLostLoad: number;
  /** Islanded outages that cut off generation only (no load lost). */
  islandedGenerationOnly: number;
  notConverged: number;
  /** Voltage-insecure contingencies not solved again, so their violations are not told low from high. */
  voltageUnclassified: number;
}

export interface ReportSummary {
  byVerdict: Record<Verdict, number>;
  byType: ViolationTypeCounts;
  insecure: number;
  secure: number;
  /** Contingencies whose violations were solved again for the detail (the worst insecure ones). */
  detailed: number;
}

export interface ReportBaseCase {
  converged: boolean;
  iterations: number;
  maxLoading: number;
  overloads: BranchViolation[];
  voltages: VoltageViolation[];
}

/** For one overloaded element: the contingencies that overload it, worst first. */
export interface CrossReferenceRow {
  branch: number;
  from: number;
  to: number;
  rateMVA: number;
  contingencies: { element: number; label: string; loading: number; flowMVA: number }[];
  /** Insecure contingencies not solved again whose worst overload is this branch. */
  alsoWorstOf: number;
}

/** The grid map with one outage drawn, in the picture's own units (0..width, 0..height). */
export interface MapPicture {
  width: number;
  height: number;
  outage: { element: number; label: string; verdict: Verdict };
  /** Branches as segments; loading null = not judged (unrated or cut off). */
  branches: { x1: number; y1: number; x2: number; y2: number; loading: number | null; outaged: boolean; overloaded: boolean }[];
  buses: { x: number; y: number; violated: boolean }[];
  /** Where the layout came from: the case file's coordinates or the stored layout. */
  source: string;
}

export interface ModelCard {
  id: number;
  name: string;
  method: string;
  regrow: string;
  sparsity: number;
  paramsKept: number | null;
  density: number | null;
  threshold: number;
  epochs: number | null;
  /** Test metrics as the model keeps them (balanced accuracy, recall ...). */
  test: Record<string, number>;
}

/** The surrogate's verdicts beside the exact ones (binary: secure vs insecure). */
export interface Agreement {
  /** [exact insecure & surrogate insecure, exact insecure & surrogate secure, exact secure & surrogate insecure, exact secure & surrogate secure]. */
  bothInsecure: number;
  missed: number;
  falseAlarms: number;
  bothSecure: number;
  compared: number;
  accuracy: number;
  recall: number;
}

/** Why a verified screen solved its exact outages: flagged (P >= threshold), in the band below it, or below the band with an AC-step estimate that did not settle. */
export interface ExactReasons {
  flagged: number;
  inBand: number;
  unsettled: number;
}

export interface ScreeningSavings {
  /** Outages judged by the exact engine, by the surrogate alone, and (islanded) by topology without solving. */
  exact: number;
  surrogate: number;
  topology: number;
  /** Why the exact ones were solved: flagged, in the band, or below it with an unsettled AC-step estimate (null: not kept by older screens). */
  why: ExactReasons | null;
  /** The full AC run's seconds minus the screen's: negative when the screen was slower. */
  secondsSaved: number | null;
}

export interface ExplainedOutage {
  element: number;
  label: string;
  verdict: string;
  pInsecure: number;
  branches: { branch: number; from: number; to: number; attribution: number }[];
  connections: { layer: string; from: number; to: number; attribution: number }[];
}

export interface SurrogateSection {
  model: ModelCard;
  /** Where the surrogate's verdicts come from: 'screened run' or 'predicted now for this report'. */
  source: string;
  agreement: Agreement | null;
  savings: ScreeningSavings | null;
  explained: ExplainedOutage[];
  note: string | null;
}

export interface ViolationChange {
  element: number;
  label: string;
  /** What is violated: 'branch 12 overload' or 'verdict'. */
  what: string;
  before: string;
  after: string;
}

export interface RunComparison {
  otherRunId: number;
  otherStartedAt: string;
  sameCase: boolean;
  /** Contingencies insecure now that were secure (or absent) in the other run. */
  added: ViolationChange[];
  /** Insecure in the other run, secure now. */
  resolved: ViolationChange[];
  /** Insecure in both, with a higher severity now. */
  worsened: ViolationChange[];
}

export interface ReportData {
  format: 'gridrewire-report';
  version: 1;
  title: string;
  generatedAt: string;
  generator: string;
  case: ReportCase;
  rules: ReportRules;
  run: ReportRun;
  summary: ReportSummary;
  baseCase: ReportBaseCase | null;
  /** Every stored record, worst first. */
  contingencies: ReportContingency[];
  /** The worst insecure contingencies with their violations. */
  details: ContingencyDetail[];
  crossReference: CrossReferenceRow[];
  map: MapPicture | null;
  surrogate: SurrogateSection | null;
  comparison: RunComparison | null;
  /** What the reader should know (partial run, no layout, detail limits ...). */
  notes: string[];
}
