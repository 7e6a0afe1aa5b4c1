import { useEffect, useState } from 'react';
import type { BackendInfo, CaseInfo, GridGraph, PowerFlowSummary } from '../main/api';
import { api } from './api';
import { GridMap } from './GridMap';

export function App() {
  const [info, setInfo] = useState<BackendInfo | null>(null);
  const [cases, setCases] = useState<CaseInfo[]>([]);
  const [active, setActive] = useState<string | null>(null);
  const [graph, setGraph] = useState<GridGraph | null>(null);
  const [pf, setPf] = useState<PowerFlowSummary | null>(null);
  const [branch, setBranch] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.info().then(setInfo, (e) => setError(String(e.message ?? e)));
    api.listCases().then(setCases, (e) => setError(String(e.message ?? e)));
  }, []);

  async function open(name: string) {
    setActive(name); setPf(null); setBranch(null); setError(null);
    try { setGraph(await api.caseGraph({ name })); } catch (e) { setError((e as Error).message); }
  }
  async function solve(dc: boolean) {
    if (!active) return;
    setBusy(true); setError(null);
    try { setPf(await api.powerFlow({ name: active, dc })); } catch (e) { setError((e as Error).message); }
    setBusy(false);
  }

  const br = graph && branch ? graph.branches[branch - 1] : null;
  const fmt = (x: number, d = 4) => (Number.isFinite(x) ? x.toFixed(d) : '—');
  return (
    <>
      <header>
        <h1>GridRewire</h1>
        <span>{active ?? 'no case open'}</span>
        <span className="backend" data-testid="backend">{info ? `v${info.version} · learning backend: ${info.learningBackend}` : ''}</span>
      </header>
      <main>
        <section className="panel cases">
          <h2>Cases</h2>
          {cases.map((c) => (
            <button key={c.name} className={c.name === active ? 'active' : ''} onClick={() => open(c.name)} data-testid={`case-${c.name}`}>
              {c.name}<br /><small>{c.buses} buses · {c.branches} branches · {c.gens} gens</small>
            </button>
          ))}
        </section>
        <section className="panel map-panel">
          {graph ? <GridMap graph={graph} pf={pf} onBranch={setBranch} /> : <p style={{ padding: 12 }}>Open a case on the left.</p>}
          {pf && <div className="legend">loading: <span style={{ color: '#12b76a' }}>■</span> &lt;60% <span style={{ color: '#eaaa08' }}>■</span> 60–90% <span style={{ color: '#f79009' }}>■</span> 90–100% <span style={{ color: '#d92d20' }}>■</span> &gt;100% <span style={{ color: '#98a2b3' }}>■</span> unrated</div>}
        </section>
        <section className="panel">
          <h2>Power flow</h2>
          <div className="toolbar">
            <button className="primary" disabled={!active || busy} onClick={() => solve(false)} data-testid="run-ac">Solve AC</button>
            <button disabled={!active || busy} onClick={() => solve(true)}>Solve DC</button>
          </div>
          {error && <p className="error" role="alert">{error}</p>}
          {pf && (
            <dl data-testid="pf-summary">
              <dt>status</dt><dd className={pf.converged ? 'status-ok' : 'status-bad'}>{pf.converged ? 'converged' : pf.status}</dd>
              <dt>iterations</dt><dd>{pf.iterations}</dd>
              <dt>mismatch</dt><dd>{pf.mismatch.toExponential(2)} p.u.</dd>
              <dt>time</dt><dd>{pf.milliseconds.toFixed(1)} ms</dd>
              <dt>min |V|</dt><dd>{fmt(Math.min(...pf.vm))} p.u.</dd>
              <dt>max |V|</dt><dd>{fmt(Math.max(...pf.vm))} p.u.</dd>
            </dl>
          )}
          {br && (
            <>
              <h2 style={{ marginTop: 16 }}>Branch {br.row}</h2>
              <dl data-testid="branch-detail">
                <dt>buses</dt><dd>{br.from} → {br.to}</dd>
                <dt>rating</dt><dd>{br.rateA > 0 ? `${br.rateA} MVA` : 'unrated'}</dd>
                {pf && <><dt>P from</dt><dd>{fmt(pf.pf[br.row - 1], 2)} MW</dd><dt>loading</dt><dd>{pf.loading[br.row - 1] === null ? '—' : `${(pf.loading[br.row - 1]! * 100).toFixed(1)}%`}</dd></>}
              </dl>
            </>
          )}
        </section>
      </main>
    </>
  );
}
