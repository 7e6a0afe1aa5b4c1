// The N-1 results' Export button: the report of the run shown, in the format
// picked, made in the main process and kept in the database (listed on the
// Reports tab), then offered to save.

import { useState, type ReactNode } from 'react';
import type { ReportInfo } from '../../main/api';
import { api } from '../api';
import { saveReportFile, sizeText } from './download';

const FORMATS = ['html', 'pdf', 'xlsx', 'csv', 'json'] as const;

export function ExportReport({ runId }: { runId: number }) {
  const [format, setFormat] = useState<(typeof FORMATS)[number]>('html');
  const [busy, setBusy] = useState(false);
  const [made, setMade] = useState<ReportInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const exportNow = async () => {
    setBusy(true); setError(null); setMade(null);
    try {
      setMade(await api.exportReport({ runId, format }));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="export-report" data-testid="export-report">
      <select value={format} onChange={(e) => setFormat(e.target.value as (typeof FORMATS)[number])} data-testid="export-format" title="report format">
        {FORMATS.map((f) => <option key={f} value={f}>{f.toUpperCase()}</option>)}
      </select>
      <button onClick={() => void exportNow()} disabled={busy} data-testid="export-button">{busy ? 'Exporting…' : 'Export report'}</button>
      {made && (
        <small data-testid="export-done">
          {' '}{made.map((r) => (
            <a key={r.id} href="#" onClick={(e) => { e.preventDefault(); void api.reportFile({ id: r.id }).then(saveReportFile, (x: unknown) => setError(String(x))); }}>
              {r.fileName} ({sizeText(r.size)})
            </a>
          )).reduce<ReactNode[]>((acc, x, i) => (i ? [...acc, ', ', x] : [x]), [])} · kept on the Reports tab
        </small>
      )}
      {error && <small className="error" role="alert"> {error}</small>}
    </span>
  );
}
