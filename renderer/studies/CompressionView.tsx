// The compression table of a model (every combination, the goal's rows
// marked) and its size / balanced-accuracy scatter.

import type { CompressionStudy } from '../../main/api';

const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '–');

function Scatter({ study }: { study: CompressionStudy }) {
  const W = 420, H = 220, L = 46, B = 30, T = 10, R = 10;
  const rows = study.rows;
  const ys = rows.map((r) => r.balancedAccuracy);
  const y0 = Math.min(...ys.filter(Number.isFinite), study.goal.minBalancedAccuracy) - 0.01, y1 = Math.min(1, Math.max(...ys.filter(Number.isFinite)) + 0.005);
  const px = (v: number) => L + (v / 1.05) * (W - L - R);
  const py = (v: number) => T + (1 - (v - y0) / (y1 - y0)) * (H - T - B);
  const ticksY = Array.from({ length: 5 }, (_, i) => y0 + ((y1 - y0) * i) / 4);
  return (
    <svg className="study-scatter" width={W} height={H} data-testid="compression-scatter" role="img" aria-label="stored size against balanced accuracy">
      <rect x={px(0)} y={py(y1)} width={px(0.25) - px(0)} height={py(study.goal.minBalancedAccuracy) - py(y1)} fill="rgba(22,163,74,0.10)" />
      <line x1={L} x2={W - R} y1={H - B} y2={H - B} stroke="#999" />
      <line x1={L} x2={L} y1={T} y2={H - B} stroke="#999" />
      {[0, 0.25, 0.5, 0.75, 1].map((t) => <g key={t}><line x1={px(t)} x2={px(t)} y1={H - B} y2={H - B + 4} stroke="#999" /><text x={px(t)} y={H - B + 15} fontSize="10" textAnchor="middle">{t}</text></g>)}
      {ticksY.map((t) => <text key={t} x={L - 4} y={py(t) + 3} fontSize="10" textAnchor="end">{t.toFixed(3)}</text>)}
      <text x={(L + W) / 2} y={H - 3} fontSize="10" textAnchor="middle">stored size / uncompressed</text>
      {rows.map((r) => (
        <circle key={r.name} cx={px(r.sizeRatio)} cy={py(Number.isFinite(r.balancedAccuracy) ? r.balancedAccuracy : y0)} r={r.name === 'none' ? 5 : 3.5}
          fill={r.name === 'none' ? '#111' : r.meetsGoal ? '#16a34a' : r.recall < study.goal.minRecall ? '#dc2626' : '#2563eb'} opacity={0.85}>
          <title>{`${r.name}: ${r.bytes} bytes (${r.sizeRatio.toFixed(2)}), balanced accuracy ${f3(r.balancedAccuracy)}, recall ${f3(r.recall)}`}</title>
        </circle>
      ))}
    </svg>
  );
}

export function CompressionView({ study }: { study: CompressionStudy }) {
  const g = study.goal;
  return (
    <div className="study-block" data-testid="compression-view">
      <p className="train-note">
        Goal: at most {Math.floor(g.maxBytes)} bytes (a quarter), balanced accuracy at least {g.minBalancedAccuracy.toFixed(4)}, recall at least {g.minRecall.toFixed(4)}:
        {' '}<b data-testid="compression-goal">{g.smallest ? `met; smallest ${g.smallest}` : 'not met by any row'}</b>. Latency: inference over the {study.config.outagesTimed} outages of the case.
        {' '}Green: meets the goal; red: loses insecure recall. Every row is a stored model (its id).
      </p>
      <div className="study-compress">
        <Scatter study={study} />
        <div className="study-table-box">
          <table className="train-table" data-testid="compression-table">
            <thead><tr><th>name</th><th>model</th><th>bytes</th><th>size</th><th>bal. acc</th><th>recall</th><th>flips</th><th>load MAE</th><th>ms</th></tr></thead>
            <tbody>
              {study.rows.map((r) => (
                <tr key={r.name} className={r.meetsGoal ? 'goal' : ''}>
                  <td>{r.name}</td><td>{r.modelId ?? study.modelId}</td><td>{r.bytes}</td><td>{r.sizeRatio.toFixed(2)}</td><td>{f3(r.balancedAccuracy)}</td>
                  <td>{f3(r.recall)}</td><td>{f3(r.flipRate)}</td><td>{r.loadingMae.toFixed(4)}</td><td>{r.latencyMs.toFixed(0)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </div>
  );
}
