// Why the surrogate judges an outage as it does, beside the exact physics:
// the grid branches and buses its verdict rests on (integrated gradients),
// and the branches whose flow the outage changed most, and which overloaded,
// by the exact AC engine.

import type { ExplanationView } from '../main/api';

const sign = (x: number) => (x > 0 ? '+' : x < 0 ? '−' : '');
const fixed = (x: number, d = 3) => `${sign(x)}${Math.abs(x).toFixed(d)}`;

export function ExplanationCard({ view, showing, onShow }: {
  view: ExplanationView;
  /** What the map and the centre panel show. */
  showing: 'loading' | 'attribution' | 'physics' | 'network';
  onShow(what: 'loading' | 'attribution' | 'physics' | 'network'): void;
}) {
  const e = view.explanation;
  if (!e.grid || !e.network) return <p className="muted" data-testid="explanation-note">{e.note ?? 'no attribution for this outage'}</p>;
  const branches = e.grid.branches.slice(0, 5), buses = e.grid.buses.slice(0, 5);
  const flows = e.physics.flowChange.slice(0, 5);
  const overloaded = new Set(e.physics.overloaded.map((o) => o.branch));
  return (
    <div className="explanation" data-testid="explanation">
      <div className="show" role="radiogroup" aria-label="what the map shows">
        {(['loading', 'attribution', 'physics', 'network'] as const).map((w) => (
          <button key={w} className={showing === w ? 'on' : ''} onClick={() => onShow(w)} data-testid={`show-${w}`}>
            {{ loading: 'loading', attribution: 'why (surrogate)', physics: 'flow change (physics)', network: 'network' }[w]}
          </button>
        ))}
      </div>
      <div className="why-columns">
        <div>
          <h3>surrogate rests on</h3>
          <ol data-testid="why-branches">
            {branches.map((b) => <li key={b.branch}><span className={overloaded.has(b.branch) ? 'over' : ''}>branch {b.branch}</span> <small>{b.from}–{b.to}</small> <span className={b.attribution > 0 ? 'pos' : 'neg'}>{fixed(b.attribution)}</span></li>)}
          </ol>
          <small className="muted">buses: {buses.map((b) => `${b.bus} (${fixed(b.attribution, 2)})`).join(', ') || '—'}</small>
        </div>
        <div>
          <h3>physics: flow change</h3>
          <ol data-testid="physics-branches">
            {flows.map((f) => <li key={f.branch}><span className={overloaded.has(f.branch) ? 'over' : ''}>branch {f.branch}</span> <small>{f.from}–{f.to}</small> {fixed(f.deltaMW, 1)} MW</li>)}
          </ol>
          <small className="muted">{e.physics.overloaded.length ? `overloaded: ${e.physics.overloaded.map((o) => `${o.branch} (${(o.loading * 100).toFixed(0)}%)`).join(', ')}` : 'no counted overload'}</small>
        </div>
      </div>
      <small className="muted">
        logit {e.logit?.toFixed(2)} (threshold {e.threshold.toFixed(2)} as p); attributions sum to {e.grid.sum.toFixed(3)} of f(x) − f(baseline) = {(e.grid.fx - e.grid.fBaseline).toFixed(3)};
        {' '}{view.cached ? 'read back from the store' : `computed in ${view.milliseconds.toFixed(0)} ms`}. Baseline: {e.grid.baseline}
      </small>
    </div>
  );
}
