// The Reports tab: every report exported (from the window, kept in the
// database, or written by `gridrewire report`, listed with its path), newest
// first, with its run, format, size and date; a kept one can be saved again.

import { useEffect, useState } from 'react';
import type { ReportInfo } from '../../main/api';
import { api } from '../api';
import { saveReportFile, sizeText } from './download';

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

export function ReportsPanel() {
  const [reports, setReports] = useState<ReportInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => { api.reports({}).then(setReports, (e: unknown) => setError(e instanceof Error ? e.message : String(e))); };
  useEffect(load, []);
  return (
    <div className="reports-panel" data-testid="reports-panel">
      <div className="toolbar">
        <button onClick={load}>Refresh</button>
        <span className="muted">Export a report from the N-1 tab's results; <code>gridrewire report</code> adds the ones it writes.</span>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {reports && reports.length === 0 && <p className="muted" data-testid="reports-empty">No report exported yet.</p>}
      {reports && reports.length > 0 && (
        <table className="reports-table" data-testid="reports-table">
          <thead><tr><th>#</th><th>case</th><th>run</th><th>format</th><th>file</th><th className="num">size</th><th>made</th><th /></tr></thead>
          <tbody>
            {reports.map((r) => (
              <tr key={r.id} data-testid="report-row">
                <td>{r.id}</td>
                <td>{r.caseName ?? '—'}</td>
                <td>{r.runId ?? 'deleted'}{r.compareTo ? ` vs ${r.compareTo}` : ''}{r.partial ? ' (partial)' : ''}</td>
                <td>{r.kind.toUpperCase()}</td>
                <td title={r.path ?? undefined}>{r.fileName}</td>
                <td className="num">{sizeText(r.size)}</td>
                <td>{when(r.createdAt)}</td>
                <td>{r.kept
                  ? <button onClick={() => void api.reportFile({ id: r.id }).then(saveReportFile, (e: unknown) => setError(String(e)))}>Save…</button>
                  : <small className="muted">{r.path}</small>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
