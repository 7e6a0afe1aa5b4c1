// Contingency records as CSV (RFC 4180 quoting), one row per outage.

import type { ContingencyKind, ContingencyRecord } from '../grid/contingency-types';

const FIELDS = ['from', 'to', 'verdict', 'severity', 'converged', 'iterations', 'islanded', 'cutBuses', 'lostLoadMW', 'lostGenMW',
  'maxLoading', 'nOverloads', 'worstBranch', 'minVm', 'maxVm', 'nVoltageViolations', 'mismatch'] as const;

function cell(v: unknown): string {
  // Null, and NaN: not computed (a screen's surrogate or topology records have no flows or voltages).
  if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** `judged`: a verified screen's records, with how each was judged and the surrogate's probability as two more columns. */
export function recordsToCsv(records: (ContingencyRecord & { judgedBy?: string; probability?: number | null })[], kind: ContingencyKind, opts: { judged?: boolean } = {}): string {
  const id = kind === 'branch' ? 'branch' : 'gen';
  const lines = [[id, ...FIELDS, ...(opts.judged ? ['judgedBy', 'probability'] : [])].join(',')];
  for (const r of records) lines.push([r[id], ...FIELDS.map((f) => r[f]), ...(opts.judged ? [r.judgedBy ?? 'exact', r.probability] : [])].map(cell).join(','));
  return lines.join('\r\n') + '\r\n';
}
