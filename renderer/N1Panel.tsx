// N-1: run every branch outage in the background (progress pushed from the
// main process), read all the ranked verdicts in a sortable, filterable
// table, reopen an earlier run of the case from the store; a row (or a line
// on the map) shows that outage in detail. When a model of the grid is
// stored, the verified screen is offered beside the full run: the surrogate
// scores every outage, the exact engine solves the flagged and banded ones.

import { useEffect, useState } from 'react';
import type { ClusterInfo, JobView, ModelDetailView, N1RunInfo, N1Summary, ScreenView, Verdict } from '../main/api';
import { api } from './api';
import { N1Table } from './N1Table';
import { ExportReport } from './reports/ExportReport';
import { VerdictBadge } from './verdicts';

export interface N1PanelProps {
  /** The open case (its models are looked up for the screen). */
  caseKey: string;
  job: JobView | null;
  /** What the table shows: the live job's result, or a run reopened from the store. */
  summary: N1Summary | null;
  runs: N1RunInfo[];
  busy: boolean;
  selected: number | null;
  onRun(mode: 'ac' | 'dc' | 'screen', opts?: { model?: number; onCluster?: boolean }): void;
  /** The configured cluster, if any: the run may go to its workers. */
  cluster?: ClusterInfo | null;
  onCancel(): void;
  onPick(branch: number): void;
  onReopen(runId: number): void;
}

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

export function N1Panel({ caseKey, job, summary, runs, busy, selected, onRun, onCancel, onPick, onReopen, cluster }: N1PanelProps) {
  const [onCluster, setOnCluster] = useState(false);
  const running = job?.status === 'running';
  const queued = job?.status === 'queued';
  // The case's models, newest first; read again when a job ends (a training job may have added one).
  const [models, setModels] = useState<ModelDetailView[]>([]);
  const [model, setModel] = useState<number | null>(null);
  useEffect(() => {
    let live = true;
    api.caseModels({ name: caseKey }).then((m) => { if (live) { setModels(m); setModel((cur) => (cur !== null && m.some((x) => x.id === cur) ? cur : m[0]?.id ?? null)); } }, () => { if (live) setModels([]); });
    return () => { live = false; };
  }, [caseKey, job?.status]);
  const surrogate = summary?.records.filter((r) => r.judgedBy === 'surrogate').length ?? 0;
  return (
    <div data-testid="n1-panel" className="n1-panel">
      <div className="toolbar">
        <button className="primary" disabled={busy || running || queued} onClick={() => onRun('ac', { onCluster })} data-testid="run-n1">Run N-1 (AC)</button>
        <button disabled={busy || running || queued} onClick={() => onRun('dc', { onCluster })}>DC screen</button>
        {cluster?.configured && (
          <label className="n1-cluster" title={cluster.error ?? `${cluster.url}: ${cluster.workers.map((w) => w.name).join(', ') || 'no worker connected'}`}>
            <input type="checkbox" checked={onCluster} disabled={!!cluster.error} onChange={(e) => setOnCluster(e.target.checked)} data-testid="n1-on-cluster" />
            on the cluster ({cluster.error ? 'unreachable' : `${cluster.workers.length} worker${cluster.workers.length === 1 ? '' : 's'}`})
          </label>
        )}
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
      {models.length > 0 && model !== null && (
        <div className="toolbar screen-offer">
          <button disabled={busy || running || queued} onClick={() => onRun('screen', { model, onCluster })} data-testid="run-screen"
            title="the surrogate scores every outage; the flagged ones, those within the model's safety band and those whose AC-step estimate did not settle are solved by the exact AC engine, the rest keep the surrogate's verdict">
            Verified screen
          </button>
          {models.length > 1
            ? (
              <select value={model} onChange={(e) => setModel(Number(e.target.value))} data-testid="screen-model" title="the model that screens">
                {models.map((m) => <option key={m.id} value={m.id}>model {m.id} · {m.method}{m.method === 'dense' ? '' : ` ${Math.round(m.sparsity * 100)}%`}</option>)}
              </select>
            )
            : <small className="muted">with model {model}: the surrogate scores every outage, the exact engine solves the flagged ones</small>}
        </div>
      )}
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
            {summary.records.length}{summary.records.length < summary.total ? ` of ${summary.total}` : ''} outages · {summary.mode === 'screen' ? 'verified screen' : summary.mode.toUpperCase()} · {summary.seconds.toFixed(2)} s
            {summary.runId !== null ? ` · run ${summary.runId}` : ''}
            {summary.runId !== null && <> {' '}<ExportReport runId={summary.runId} /></>}
          </p>
          {summary.screen && (
            <p className="muted" data-testid="screen-summary">
              model {summary.screen.modelId}: {summary.screen.exact} solved exactly ({((100 * summary.screen.exact) / Math.max(1, summary.total)).toFixed(0)}%{summary.screen.exact > 0 ? whyExact(summary.screen.why) : ''}), {summary.screen.topology > 0 ? `${summary.screen.topology} islanded (decided by topology, not solved), ` : ''}{surrogate} kept from the surrogate
              {' '}<span className="judged-surrogate">≈</span> · exact from P(insecure) ≥ {Math.max(0, summary.screen.threshold - summary.screen.band).toPrecision(2)} (threshold {summary.screen.threshold.toPrecision(2)}, band {summary.screen.band.toPrecision(2)})
            </p>
          )}
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

/** Why a screen's exact outages were solved, as a clause (empty for screens stored before it was kept). */
function whyExact(why: ScreenView['why']): string {
  if (!why) return '';
  const parts = [`${why.flagged} flagged`, `${why.inBand} in the band`];
  if (why.unsettled > 0) parts.push(`${why.unsettled} below it whose AC-step estimate did not settle`);
  return `: ${parts.join(', ')}`;
}
