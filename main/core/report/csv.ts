// Contingency records as CSV (RFC 4180 quoting), one row per outage.

import type { ContingencyKind, ContingencyRecord } from '../grid/contingency-types';

const FIELDS = ['from', 'to', 'verdict', 'severity', 'converged', 'iterations', 'islanded', 'cutBuses', 'lostLoadMW', 'lostGenMW',
  'maxLoading', 'nOverloads', 'worstBranch', 'minVm', 'maxVm', 'nVoltageViolations', 'mismatch'] as const;

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function recordsToCsv(records: ContingencyRecord[], kind: ContingencyKind): string {
  const id = kind === 'branch' ? 'branch' : 'gen';
  const lines = [[id, ...FIELDS].join(',')];
  for (const r of records) lines.push([r[id], ...FIELDS.map((f) => r[f])].map(cell).join(','));
  return lines.join('\r\n') + '\r\n';
}
