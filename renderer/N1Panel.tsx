// N-1: run every branch outage in the background, watch progress, read the
// ranked verdicts; a row (or a line on the map) shows that outage in detail.

import type { JobView, Verdict } from '../main/api';

export const VERDICT_COLORS: Record<Verdict, string> = {
  islanded: '#7a5af8', diverged: '#101828', 'overload+voltage': '#b42318', overload: '#d92d20', voltage: '#f79009', secure: '#12b76a',
};

export function VerdictBadge({ v, label }: { v: Verdict; label?: string }) {
  return <span className="badge" style={{ background: VERDICT_COLORS[v] ?? '#475467' }}>{label ?? v}</span>;
}

export function N1Panel({ job, onRun, onCancel, onPick, selected, busy }: {
  job: JobView | null; onRun: (mode: 'ac' | 'dc') => void; onCancel: () => void; onPick: (branch: number) => void; selected: number | null; busy: boolean;
}) {
  const res = job?.result;
  const queued = job?.status === 'queued';
  const running = job?.status === 'running';
  return (
    <div data-testid="n1-panel">
      <div className="toolbar">
        <button className="primary" disabled={busy || running || queued} onClick={() => onRun('ac')} data-testid="run-n1">Run N-1 (AC)</button>
        <button disabled={busy || running || queued} onClick={() => onRun('dc')}>DC screen</button>
        {(running || queued) && <button onClick={onCancel} data-testid="cancel-n1">Cancel</button>}
      </div>
      {job && queued && (
        <p className="muted" data-testid="n1-queued">
          queued: {job.queuePosition === 1 ? 'next to start' : `${job.queuePosition} in line`} (other runs are using the cores)
        </p>
      )}
      {job && running && (
        <div className="progress" data-testid="n1-progress">
          <div className="bar"><div style={{ width: `${job.total ? (100 * job.done) / job.total : 0}%` }} /></div>
          <small>{job.done}/{job.total} · {job.rate.toFixed(0)}/s · ETA {job.etaSeconds >= 0 ? `${job.etaSeconds.toFixed(1)} s` : '…'}</small>
        </div>
      )}
      {job?.status === 'failed' && <p className="error" role="alert">{job.error}</p>}
      {job?.status === 'cancelled' && !res && <p className="muted" data-testid="n1-cancelled">cancelled before it started</p>}
      {res && (
        <>
          <p className="muted" data-testid="n1-summary">
            {res.records.length}{job?.status === 'cancelled' ? ` of ${res.total}` : ''} outages · {res.mode.toUpperCase()} · {res.seconds.toFixed(2)} s
            {res.runId !== null ? ` · run ${res.runId}` : ''}
          </p>
          <div className="counts">
            {(Object.keys(res.counts) as Verdict[]).filter((v) => res.counts[v] > 0).map((v) => (
              <span key={v}><VerdictBadge v={v} /> {res.counts[v]}</span>
            ))}
          </div>
          <table className="ranked" data-testid="n1-table">
            <thead><tr><th>#</th><th>branch</th><th>verdict</th><th>max load</th><th>min |V|</th></tr></thead>
            <tbody>
              {res.records.slice(0, 200).map((r, i) => (
                <tr key={r.branch} className={selected === r.branch ? 'sel' : ''} onClick={() => onPick(r.branch!)}>
                  <td>{i + 1}</td><td>{r.branch} <small>{r.from}–{r.to}</small></td><td><VerdictBadge v={r.verdict} /></td>
                  <td>{r.maxLoading ? `${(r.maxLoading * 100).toFixed(0)}%` : '—'}</td><td>{r.minVm ? r.minVm.toFixed(3) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
