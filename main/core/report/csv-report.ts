// The report as CSV: one file with a row per stored contingency (worst
// first), and a second with a row per violation of the contingencies solved
// again. Loadings are fractions of the rating, voltages p.u., powers MW/MVA:
// the column names say which.

import { contingencyRows, violationRows, type Value } from './tables';
import type { ReportData } from './types';

function cell(v: Value): string {
  // Null, and NaN: not computed (a screen's surrogate or topology records have no flows or voltages).
  if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csv(t: { header: string[]; rows: Value[][] }): string {
  return [t.header.join(','), ...t.rows.map((r) => r.map(cell).join(','))].join('\r\n') + '\r\n';
}

export function reportCsv(d: ReportData): { contingencies: string; violations: string } {
  return { contingencies: csv(contingencyRows(d.contingencies)), violations: csv(violationRows(d.details, d.contingencies)) };
}

/** Where the second file goes: next to the first, e.g. run.csv and run.violations.csv. */
export function violationsPath(path: string): string {
  return /\.csv$/i.test(path) ? path.replace(/\.csv$/i, '.violations.csv') : `${path}.violations.csv`;
}
