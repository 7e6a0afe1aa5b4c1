import { useEffect, useMemo, useRef, useState } from 'react';
import type { BackendInfo, CaseInfo, ExplanationView, GridGraph, JobEventView, JobView, N1RunInfo, N1Summary, OutageView, PowerFlowSummary, Verdict } from '../main/api';
import { api } from './api';
import { MapPanel } from './MapPanel';
import { attributionColouring, physicsColouring } from './map/explanation-colouring';
import { ReportsPanel } from './reports/ReportsPanel';
import { N1Panel } from './N1Panel';
import { ClusterBadge, useCluster } from './cluster';
import { VerdictBadge } from './verdicts';
import { subscribeEvents } from './events';
import { ExplanationCard } from './ExplanationCard';
import { NetworkView } from './NetworkView';
import { CasesPanel } from './CasesPanel';
import { TrainPanel } from './training/TrainPanel';
import { StudiesPanel } from './studies/StudiesPanel';

/** The case row of the most loaded branch after an outage (the record's maxLoading is its loading), or null when none is rated. */
function mostLoaded(loading: (number | null)[]): number | null {
  let row: number | null = null, best = -Infinity;
  loading.forEach((l, i) => { if (l !== null && l > best) { best = l; row = i + 1; } });
  return row;
}

/** Opened on first start (then the last case opened). */
const FIRST_CASE = 'case30';
const LAST_CASE = 'gridrewire.lastCase';

type Tab = 'pf' | 'n1' | 'train' | 'studies' | 'reports';

export function App() {
  const [info, setInfo] = useState<BackendInfo | null>(null);
  const [cases, setCases] = useState<CaseInfo[]>([]);
  const [active, setActive] = useState<string | null>(null);
  const [graph, setGraph] = useState<GridGraph | null>(null);
  const [pf, setPf] = useState<PowerFlowSummary | null>(null);
  const [tab, setTab] = useState<Tab>('pf');
  /** The cluster N-1 runs may go to (GRIDREWIRE_REDIS), with its connected workers; refreshed while the N-1 tab is open. */
  const cluster = useCluster(tab === 'n1');
  const [job, setJob] = useState<JobView | null>(null);
  const [outage, setOutage] = useState<OutageView | null>(null);
  const heaviest = useMemo(() => (outage ? mostLoaded(outage.loading) : null), [outage]);
  /** Why the surrogate judged the outage so (when a model of the grid exists), and what the map shows of it. */
  const [explanation, setExplanation] = useState<ExplanationView | null>(null);
  const [explaining, setExplaining] = useState(false);
  // A row picked in the N-1 table: the map goes to its branch (a click on the map stays where it is).
  const [focus, setFocus] = useState<{ branch: number; at: number } | null>(null);
  const [showing, setShowing] = useState<'loading' | 'attribution' | 'physics' | 'network'>('loading');
  const [branch, setBranch] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [dropping, setDropping] = useState(false);
  const [summary, setSummary] = useState<N1Summary | null>(null);
  const [runs, setRuns] = useState<N1RunInfo[]>([]);
  const activeRef = useRef<string | null>(null);
  /** The N-1 job this window follows (progress arrives as events). */
  const jobRef = useRef<number | null>(null);
  /** Every job the main process is running or has queued, for the status bar. */
  const [activeJobs, setActiveJobs] = useState<Map<number, JobEventView>>(new Map());

  const refreshCases = () => api.listCases().then((list) => { setCases(list); return list; });
  useEffect(() => {
    api.info().then(setInfo, (e) => setError(String(e.message ?? e)));
    // Ready to run from the first start: the last case opened, else a bundled one.
    refreshCases().then((list) => {
      if (activeRef.current) return;
      const last = localStorage.getItem(LAST_CASE);
      const first = list.find((c) => c.key === last) ?? list.find((c) => c.key === FIRST_CASE) ?? list[0];
      if (first) void open(first.key);
    }, (e) => setError(String(e.message ?? e)));
    return subscribeEvents((e) => {
      if (e.type !== 'job') return;
      setActiveJobs((m) => {
        const next = new Map(m);
        if (e.job.status === 'running' || e.job.status === 'queued') next.set(e.job.id, e.job); else next.delete(e.job.id);
        return next;
      });
      if (e.job.id !== jobRef.current) return;
      if (['done', 'cancelled', 'failed'].includes(e.job.status)) void follow(e.job.id).catch((err) => setError((err as Error).message));
      else setJob(e.job);
    }, () => { if (jobRef.current !== null) void follow(jobRef.current).catch(() => undefined); });
  }, []);

  /** Reads the followed job's view; a finished job's result (and the case's runs) once. */
  async function follow(jobId: number) {
    const j = await api.job({ jobId });
    if (jobRef.current !== jobId) return;
    setJob(j);
    if (j.result) {
      setSummary(j.result);
      if (activeRef.current) setRuns(await api.n1Runs({ name: activeRef.current }));
    }
  }
  async function open(name: string) {
    jobRef.current = null;
    activeRef.current = name;
    localStorage.setItem(LAST_CASE, name);
    setActive(name); setGraph(null); setPf(null); setBranch(null); setOutage(null); setJob(null); setSummary(null); setRuns([]); setError(null);
    // A slower answer for a case opened before must not replace this one's.
    try {
      const g = await api.caseGraph({ name });
      if (activeRef.current !== name) return;
      setGraph(g);
      setRuns(await api.n1Runs({ name }));
    } catch (e) { setError((e as Error).message); }
  }
  /** Imports files in turn (a case, or a change table for the open case); opens the last case imported. */
  async function importFiles(files: File[]) {
    setError(null); setNotice(null);
    const done: string[] = [];
    let opened: string | null = null;
    for (const f of files) {
      try {
        const r = await api.importFile({ fileName: f.name, text: await f.text(), forCase: activeRef.current ?? undefined });
        if (r.kind === 'case') opened = r.case.key;
        done.push(r.kind === 'case'
          ? `${f.name}: case ${r.case.name}${r.created ? '' : ' (already there)'}`
          : `${f.name}: ${r.changeTable!.kind === 'contingencies' ? 'contingency' : 'scenario'} table for ${r.case.name}${r.created ? '' : ' (already there)'}`);
      } catch (e) {
        setError((e as Error).message);
        break; // the rest waits: one message at a time, nothing half-imported
      }
    }
    if (done.length) setNotice(`imported ${done.join('; ')}`);
    await refreshCases();
    if (opened) await open(opened);
  }
  async function casesChanged() {
    const list = await refreshCases();
    if (activeRef.current && !list.some((c) => c.key === activeRef.current)) { setActive(null); setGraph(null); activeRef.current = null; }
  }
  async function solve(dc: boolean) {
    if (!active) return;
    setBusy(true); setError(null); setOutage(null);
    try { setPf(await api.powerFlow({ name: active, dc })); } catch (e) { setError((e as Error).message); }
    setBusy(false);
  }
  async function runN1(mode: 'ac' | 'dc' | 'screen', opts: { model?: number; onCluster?: boolean } = {}) {
    if (!active) return;
    setError(null); setSummary(null);
    try {
      const { jobId } = await api.startN1({ name: active, mode, model: opts.model, ...(opts.onCluster ? { cluster: true } : {}) });
      jobRef.current = jobId;
      await follow(jobId); // events from now on; this read covers a job that finished before we listened
    } catch (e) { setError((e as Error).message); }
  }
  async function reopen(runId: number) {
    setError(null);
    try { jobRef.current = null; setJob(null); setSummary(await api.n1Run({ runId })); } catch (e) { setError((e as Error).message); }
  }
  async function inspect(row: number) {
    if (!active) return;
    const key = active;
    setBranch(row); setError(null); setExplanation(null); setShowing('loading');
    try {
      const o = await api.outage({ name: key, branch: row });
      setOutage(o);
      if (o.surrogate) {
        setExplaining(true);
        const x = await api.explain({ name: key, branch: row, model: o.surrogate.modelId });
        if (activeRef.current === key) setExplanation(x);
      }
    } catch (e) { setError((e as Error).message); }
    setExplaining(false);
  }


  // The map shows the explanation when asked: where the surrogate's verdict comes from, or what the physics did.
  const explained = useMemo(() => {
    const e = explanation?.explanation;
    if (!graph || !e) return null;
    if (showing === 'attribution' && e.grid) return attributionColouring(graph, e.grid);
    if (showing === 'physics') return physicsColouring(graph, e.physics);
    return null;
  }, [graph, explanation, showing]);
  const br = graph && branch ? graph.branches[branch - 1] : null;
  const fmt = (x: number | null | undefined, d = 4) => (x !== null && x !== undefined && Number.isFinite(x) ? x.toFixed(d) : '—');
  return (
    <div className={`app${dropping ? ' dropping' : ''}`}
      onDragOver={(e) => { if (e.dataTransfer.types.includes('Files')) { e.preventDefault(); setDropping(true); } }}
      onDragLeave={(e) => { if (e.currentTarget === e.target) setDropping(false); }}
      onDrop={(e) => { e.preventDefault(); setDropping(false); const files = [...e.dataTransfer.files]; if (files.length) void importFiles(files); }}
      data-testid="app">
      {dropping && <div className="drop-hint">Drop MATPOWER case files (or change tables for the open case) to import them</div>}
      <header>
        <h1>GridRewire</h1>
        <span>{cases.find((c) => c.key === active)?.name ?? active ?? 'no case open'}</span>
        <span className="jobs" data-testid="status-jobs">{[...activeJobs.values()].map((j) => (j.status === 'queued' ? `${j.label}: queued` : `${j.label}: ${j.total ? Math.floor((100 * j.done) / j.total) : 0}%`)).join(' · ')}</span>
        {cluster?.configured && <ClusterBadge info={cluster} />}
        <span className="backend" data-testid="backend" title={info ? [info.learningBackendNote, ...info.learningBackends.map((b) => `${b.name}: ${b.loaded ? `loaded, ${b.device}` : b.note}`)].join('\n') : undefined}>
          {info ? `v${info.version} · learning backend: ${info.learningBackend} · inference: ${info.inferenceKernels} · TensorFlow.js: ${info.learningBackends.filter((b) => b.loaded && b.name !== 'cpu').map((b) => `${b.name} (${b.device})`).join(', ') || 'none loads'}` : ''}
        </span>
      </header>
      <main className={tab === 'n1' || tab === 'train' || tab === 'studies' || tab === 'reports' ? 'wide' : ''}>
        <CasesPanel cases={cases} active={active} onOpen={(k) => void open(k)} onImport={(f) => void importFiles(f)} onChanged={() => void casesChanged()} onError={setError} />
        {graph && active ? (
          <MapPanel caseKey={active} graph={graph} pf={pf} outage={outage} outagedBranch={outage ? branch : null} selectedBranch={branch} onBranch={inspect} focus={focus}
            colouring={explained}
            overlay={showing === 'network' && explanation?.explanation.network ? (
              <div className="network-overlay">
                <h2>Model {explanation.modelId}: the sparse connections behind the verdict on branch {explanation.explanation.branch}</h2>
                <NetworkView network={explanation.explanation.network} total={explanation.connectionsTotal} />
              </div>
            ) : null} />
        ) : <section className="panel map-panel"><p style={{ padding: 12 }}>Open a case on the left, then click a line to take it out.</p></section>}
        <section className="panel side">
          <div className="tabs">
            <button className={tab === 'pf' ? 'on' : ''} onClick={() => setTab('pf')}>Power flow</button>
            <button className={tab === 'n1' ? 'on' : ''} onClick={() => setTab('n1')} data-testid="tab-n1">N-1</button>
            <button className={tab === 'train' ? 'on' : ''} onClick={() => setTab('train')} data-testid="tab-train">Train</button>
            <button className={tab === 'studies' ? 'on' : ''} onClick={() => setTab('studies')} data-testid="tab-studies">Studies</button>
            <button className={tab === 'reports' ? 'on' : ''} onClick={() => setTab('reports')} data-testid="tab-reports">Reports</button>
          </div>
          {error && <p className="error" role="alert" data-testid="error">{error}</p>}
          {notice && <p className="notice" data-testid="notice">{notice}</p>}
          {br && (
            <div className="outage" data-testid="outage-detail">
              <h2>Outage of branch {br.row} <small>({br.from}–{br.to})</small></h2>
              {outage ? (
                <dl>
                  <dt>physics</dt><dd><VerdictBadge v={outage.record.verdict} /> <small>AC Newton, {outage.record.iterations} it, {outage.milliseconds.toFixed(1)} ms</small></dd>
                  <dt>surrogate</dt>
                  {outage.surrogate ? (
                    <dd data-testid="surrogate-verdict">
                      <VerdictBadge v={outage.surrogate.verdict as Verdict | 'insecure'} label={outage.surrogate.verdict} />{' '}
                      <small>p(insecure) {outage.surrogate.pInsecure.toFixed(3)} · model {outage.surrogate.modelId}, {outage.surrogate.method}+{outage.surrogate.regrow}, {(outage.surrogate.sparsity * 100).toFixed(0)}% sparse</small>
                    </dd>
                  ) : <dd className="muted">no trained model for this grid yet (gridrewire train)</dd>}
                  {outage.surrogate && <dd className="why">{explanation ? <ExplanationCard view={explanation} showing={showing} onShow={setShowing} /> : explaining ? <span className="muted">explaining…</span> : null}</dd>}
                  <dt>max loading</dt><dd>{outage.record.maxLoading ? `${(outage.record.maxLoading * 100).toFixed(1)}%` : '—'}{heaviest !== null ? ` on branch ${heaviest}` : ''}</dd>
                  <dt>overloads</dt><dd>{outage.record.nOverloads}{outage.record.nOverloads > 0 && outage.record.worstBranch ? ` (worst counted: branch ${outage.record.worstBranch})` : ''}</dd>
                  <dt>|V| range</dt><dd>{outage.record.converged ? `${fmt(outage.record.minVm)} – ${fmt(outage.record.maxVm)} p.u.` : '— (not solved)'}</dd>
                  <dt>V violations</dt><dd>{outage.record.nVoltageViolations}</dd>
                  {outage.record.cutBuses > 0 && <><dt>cut off</dt><dd>{outage.record.cutBuses} buses, {outage.record.lostLoadMW.toFixed(1)} MW load, {outage.record.lostGenMW.toFixed(1)} MW gen</dd></>}
                </dl>
              ) : <p className="muted">solving…</p>}
              <button onClick={() => { setOutage(null); setBranch(null); setExplanation(null); setShowing('loading'); }}>Back to base case</button>
            </div>
          )}
          {tab === 'pf' && (
            <>
              <div className="toolbar">
                <button className="primary" disabled={!active || busy} onClick={() => solve(false)} data-testid="run-ac">Solve AC</button>
                <button disabled={!active || busy} onClick={() => solve(true)}>Solve DC</button>
              </div>
              {pf && (
                <dl data-testid="pf-summary">
                  <dt>status</dt><dd className={pf.converged ? 'status-ok' : 'status-bad'}>{pf.converged ? 'converged' : pf.status}</dd>
                  <dt>iterations</dt><dd>{pf.iterations}</dd>
                  <dt>mismatch</dt><dd>{pf.mismatch.toExponential(2)} p.u.</dd>
                  <dt>time</dt><dd>{pf.milliseconds.toFixed(1)} ms</dd>
                  {pf.converged && <><dt>min |V|</dt><dd>{fmt(Math.min(...pf.vm))} p.u.</dd>
                  <dt>max |V|</dt><dd>{fmt(Math.max(...pf.vm))} p.u.</dd></>}
                </dl>
              )}
            </>
          )}
          {tab === 'n1' && active && (
            <N1Panel caseKey={active} job={job} summary={summary} runs={runs} busy={busy} selected={branch} onRun={runN1} cluster={cluster}
              onCancel={() => { if (job) void api.cancelJob({ jobId: job.id }); }} onPick={(row) => { setFocus({ branch: row, at: Date.now() }); void inspect(row); }} onReopen={reopen} />
          )}
          {tab === 'train' && active && <TrainPanel caseKey={active} />}
          {tab === 'studies' && active && <StudiesPanel caseKey={active} />}
          {tab === 'reports' && <ReportsPanel />}
        </section>
      </main>
    </div>
  );
}
