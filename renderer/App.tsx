import { useEffect, useRef, useState } from 'react';
import type { BackendInfo, CaseInfo, GridGraph, JobView, OutageView, PowerFlowSummary, Verdict } from '../main/api';
import { api } from './api';
import { MapPanel } from './MapPanel';
import { N1Panel, VerdictBadge } from './N1Panel';
import { CasesPanel } from './CasesPanel';

/** Opened on first start (then the last case opened). */
const FIRST_CASE = 'case30';
const LAST_CASE = 'gridrewire.lastCase';

type Tab = 'pf' | 'n1';

export function App() {
  const [info, setInfo] = useState<BackendInfo | null>(null);
  const [cases, setCases] = useState<CaseInfo[]>([]);
  const [active, setActive] = useState<string | null>(null);
  const [graph, setGraph] = useState<GridGraph | null>(null);
  const [pf, setPf] = useState<PowerFlowSummary | null>(null);
  const [tab, setTab] = useState<Tab>('pf');
  const [job, setJob] = useState<JobView | null>(null);
  const [outage, setOutage] = useState<OutageView | null>(null);
  const [branch, setBranch] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [dropping, setDropping] = useState(false);
  const poll = useRef<number | null>(null);
  const activeRef = useRef<string | null>(null);

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
    return () => { if (poll.current) window.clearInterval(poll.current); };
  }, []);

  async function open(name: string) {
    if (poll.current) window.clearInterval(poll.current);
    activeRef.current = name;
    localStorage.setItem(LAST_CASE, name);
    setActive(name); setGraph(null); setPf(null); setBranch(null); setOutage(null); setJob(null); setError(null);
    // A slower answer for a case opened before must not replace this one's.
    try { const g = await api.caseGraph({ name }); if (activeRef.current === name) setGraph(g); } catch (e) { setError((e as Error).message); }
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
  async function runN1(mode: 'ac' | 'dc') {
    if (!active) return;
    setError(null);
    try {
      const { jobId } = await api.startN1({ name: active, mode });
      const tick = async () => {
        const j = await api.job({ jobId });
        setJob(j);
        const open = j.status === 'running' || j.status === 'queued';
        if (!open && poll.current) { window.clearInterval(poll.current); poll.current = null; }
      };
      poll.current = window.setInterval(() => { tick().catch((e) => setError((e as Error).message)); }, 250);
      await tick();
    } catch (e) { setError((e as Error).message); }
  }
  async function inspect(row: number) {
    if (!active) return;
    setBranch(row); setError(null);
    try { setOutage(await api.outage({ name: active, branch: row })); } catch (e) { setError((e as Error).message); }
  }

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
        <span className="backend" data-testid="backend">{info ? `v${info.version} · learning backend: ${info.learningBackend} · inference: ${info.inferenceKernels}` : ''}</span>
      </header>
      <main>
        <CasesPanel cases={cases} active={active} onOpen={(k) => void open(k)} onImport={(f) => void importFiles(f)} onChanged={() => void casesChanged()} onError={setError} />
        {graph && active ? (
          <MapPanel caseKey={active} graph={graph} pf={pf} outage={outage} outagedBranch={outage ? branch : null} selectedBranch={branch} onBranch={inspect} />
        ) : <section className="panel map-panel"><p style={{ padding: 12 }}>Open a case on the left, then click a line to take it out.</p></section>}
        <section className="panel side">
          <div className="tabs">
            <button className={tab === 'pf' ? 'on' : ''} onClick={() => setTab('pf')}>Power flow</button>
            <button className={tab === 'n1' ? 'on' : ''} onClick={() => setTab('n1')} data-testid="tab-n1">N-1</button>
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
                      <VerdictBadge v={(outage.surrogate.verdict === 'insecure' ? 'overload' : outage.surrogate.verdict) as Verdict} label={outage.surrogate.verdict} />{' '}
                      <small>p(insecure) {outage.surrogate.pInsecure.toFixed(3)} · model {outage.surrogate.modelId}, {outage.surrogate.method}+{outage.surrogate.regrow}, {(outage.surrogate.sparsity * 100).toFixed(0)}% sparse</small>
                    </dd>
                  ) : <dd className="muted">no trained model for this grid yet (gridrewire train)</dd>}
                  <dt>max loading</dt><dd>{outage.record.maxLoading ? `${(outage.record.maxLoading * 100).toFixed(1)}%` : '—'}{outage.record.worstBranch ? ` on branch ${outage.record.worstBranch}` : ''}</dd>
                  <dt>overloads</dt><dd>{outage.record.nOverloads}</dd>
                  <dt>|V| range</dt><dd>{fmt(outage.record.minVm)} – {fmt(outage.record.maxVm)} p.u.</dd>
                  <dt>V violations</dt><dd>{outage.record.nVoltageViolations}</dd>
                  {outage.record.cutBuses > 0 && <><dt>cut off</dt><dd>{outage.record.cutBuses} buses, {outage.record.lostLoadMW.toFixed(1)} MW load, {outage.record.lostGenMW.toFixed(1)} MW gen</dd></>}
                </dl>
              ) : <p className="muted">solving…</p>}
              <button onClick={() => { setOutage(null); setBranch(null); }}>Back to base case</button>
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
          {tab === 'n1' && active && <N1Panel job={job} busy={busy} selected={branch} onRun={runN1} onCancel={() => job && api.cancelJob({ jobId: job.id })} onPick={inspect} />}
        </section>
      </main>
    </div>
  );
}
