// N-1: run every branch outage in the background (progress pushed from the
// main process), read all the ranked verdicts in a sortable, filterable
// table, reopen an earlier run of the case from the store; a row (or a line
// on the map) shows that outage in detail.

import type { JobView, N1RunInfo, N1Summary, Verdict } from '../main/api';
import { N1Table } from './N1Table';
import { ExportReport } from './reports/ExportReport';
import { VerdictBadge } from './verdicts';

export interface N1PanelProps {
  job: JobView | null;
  /** What the table shows: the live job's result, or a run reopened from the store. */
  summary: N1Summary | null;
  runs: N1RunInfo[];
  busy: boolean;
  selected: number | null;
  onRun(mode: 'ac' | 'dc'): void;
  onCancel(): void;
  onPick(branch: number): void;
  onReopen(runId: number): void;
}

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

export function N1Panel({ job, summary, runs, busy, selected, onRun, onCancel, onPick, onReopen }: N1PanelProps) {
  const running = job?.status === 'running';
  const queued = job?.status === 'queued';
  return (
    <div data-testid="n1-panel" className="n1-panel">
      <div className="toolbar">
        <button className="primary" disabled={busy || running || queued} onClick={() => onRun('ac')} data-testid="run-n1">Run N-1 (AC)</button>
        <button disabled={busy || running || queued} onClick={() => onRun('dc')}>DC screen</button>
        {(running || queued) && <button onClick={onCancel} data-testid="cancel-n1">Cancel</button>}
        {runs.length > 0 && (
          <select value="" onChange={(e) => { if (e.target.value) onReopen(Number(e.target.value)); }} data-testid="reopen-run" title="reopen an earlier run of this case">
            <option value="">earlier runs…</option>
            {runs.map((r) => (
              <option key={r.runId} value={r.runId}>
                run {r.runId} · {r.mode.toUpperCase()} · {when(r.startedAt)} · {r.status === 'done' ? `${r.total} outages` : `${r.status} ${r.done}/${r.total}`}
              </option>
            ))}
          </select>
        )}
      </div>
      {queued && (
        <p className="muted" data-testid="n1-queued">
          queued: {job!.queuePosition === 1 ? 'next to start' : `${job!.queuePosition} in line`} (other runs are using the cores)
        </p>
      )}
      {job && running && (
        <div className="progress" data-testid="n1-progress">
          <div className="bar"><div style={{ width: `${job.total ? (100 * job.done) / job.total : 0}%` }} /></div>
          <small>{job.total === 0 ? 'starting: solving the base case…' : `${job.done}/${job.total} · ${job.rate.toFixed(0)}/s · ETA ${job.etaSeconds >= 0 ? `${job.etaSeconds.toFixed(1)} s` : '…'}`}{job.threads && job.threads > 1 ? ` · ${job.threads} threads` : ''}</small>
        </div>
      )}
      {job?.status === 'cancelled' && !summary?.records.length && <p className="muted" data-testid="n1-cancelled">cancelled before it started</p>}
      {job?.status === 'failed' && <p className="error" role="alert">{job.error}</p>}
      {summary && (
        <>
          <p className="muted" data-testid="n1-summary">
            {summary.records.length}{summary.records.length < summary.total ? ` of ${summary.total}` : ''} outages · {summary.mode.toUpperCase()} · {summary.seconds.toFixed(2)} s
            {summary.runId !== null ? ` · run ${summary.runId}` : ''}
            {summary.runId !== null && <> {' '}<ExportReport runId={summary.runId} /></>}
          </p>
          <div className="counts">
            {(Object.keys(summary.counts) as Verdict[]).filter((v) => summary.counts[v] > 0).map((v) => (
              <span key={v}><VerdictBadge v={v} /> {summary.counts[v]}</span>
            ))}
          </div>
          <N1Table records={summary.records} selected={selected} onPick={onPick} />
        </>
      )}
    </div>
  );
}
