import { useEffect, useRef, useState } from 'react';
import type { BackendInfo, CaseInfo, GridGraph, JobView, OutageView, PowerFlowSummary, Verdict } from '../main/api';
import { api } from './api';
import { GridMap, type MapState } from './GridMap';
import { N1Panel, VerdictBadge } from './N1Panel';

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
  const poll = useRef<number | null>(null);

  useEffect(() => {
    api.info().then(setInfo, (e) => setError(String(e.message ?? e)));
    api.listCases().then(setCases, (e) => setError(String(e.message ?? e)));
    return () => { if (poll.current) window.clearInterval(poll.current); };
  }, []);

  async function open(name: string) {
    if (poll.current) window.clearInterval(poll.current);
    setActive(name); setPf(null); setBranch(null); setOutage(null); setJob(null); setError(null);
    try { setGraph(await api.caseGraph({ name })); } catch (e) { setError((e as Error).message); }
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
  const mapState: MapState = outage
    ? { loading: outage.loading, outaged: branch, selected: branch }
    : { loading: pf?.converged ? pf.loading : null, outaged: null, selected: branch };
  const fmt = (x: number | null | undefined, d = 4) => (x !== null && x !== undefined && Number.isFinite(x) ? x.toFixed(d) : '—');
  return (
    <>
      <header>
        <h1>GridRewire</h1>
        <span>{cases.find((c) => c.key === active)?.name ?? active ?? 'no case open'}</span>
        <span className="backend" data-testid="backend">{info ? `v${info.version} · learning backend: ${info.learningBackend} · inference: ${info.inferenceKernels}` : ''}</span>
      </header>
      <main>
        <section className="panel cases">
          <h2>Cases</h2>
          {cases.map((c) => (
            <button key={c.key} className={c.key === active ? 'active' : ''} onClick={() => open(c.key)} data-testid={`case-${c.key}`}>
              {c.name}{c.source === 'stored' && <small> · stored #{c.storedId}</small>}<br /><small>{c.buses} buses · {c.branches} branches · {c.gens} gens</small>
            </button>
          ))}
        </section>
        <section className="panel map-panel">
          {graph ? <GridMap graph={graph} state={mapState} onBranch={inspect} onLayout={(positions) => { if (active) api.saveLayout({ name: active, positions }).catch(() => undefined); }} /> : <p style={{ padding: 12 }}>Open a case on the left, then click a line to take it out.</p>}
          {mapState.loading && <div className="legend">{outage ? `after outage of branch ${branch} · ` : ''}loading: <span style={{ color: '#12b76a' }}>■</span> &lt;60% <span style={{ color: '#eaaa08' }}>■</span> 60–90% <span style={{ color: '#f79009' }}>■</span> 90–100% <span style={{ color: '#d92d20' }}>■</span> &gt;100% <span style={{ color: '#98a2b3' }}>■</span> unrated</div>}
        </section>
        <section className="panel side">
          <div className="tabs">
            <button className={tab === 'pf' ? 'on' : ''} onClick={() => setTab('pf')}>Power flow</button>
            <button className={tab === 'n1' ? 'on' : ''} onClick={() => setTab('n1')} data-testid="tab-n1">N-1</button>
          </div>
          {error && <p className="error" role="alert">{error}</p>}
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
    </>
  );
}
