// The graphon estimates of a model's sparse layers: per layer the
// degree-sorted block densities as a heat map, at the start of training
// (the ERK masks) and at a stage chosen with the epoch slider (each epoch
// whose rewiring changed the masks, as the store kept them, then the model
// as stored: its best epoch's masks), with the in- and out-degree histograms
// of that stage and the trend of the mean in-degree spread over the epochs.

import { useEffect, useRef, useState } from 'react';
import type { GraphonStudy, LayerGraphon } from '../../main/api';

/** White (empty) to dark blue (full), on a square-root scale so sparse blocks show. */
function shade(v: number): string {
  const t = Math.sqrt(Math.max(0, Math.min(1, v)));
  const c = (a: number, b: number) => Math.round(a + (b - a) * t);
  return `rgb(${c(255, 8)}, ${c(255, 48)}, ${c(255, 107)})`;
}

function Heat({ layer, size = 112, testId }: { layer: LayerGraphon; size?: number; testId?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const cv = ref.current;
    if (!cv) return;
    const g = cv.getContext('2d')!;
    const rows = layer.density.length, cols = layer.density[0]?.length ?? 0;
    g.clearRect(0, 0, size, size);
    for (let a = 0; a < rows; a++) {
      for (let b = 0; b < cols; b++) {
        g.fillStyle = shade(layer.density[a][b]);
        g.fillRect(Math.floor((b * size) / cols), Math.floor((a * size) / rows), Math.ceil(size / cols), Math.ceil(size / rows));
      }
    }
  }, [layer, size]);
  return <canvas ref={ref} width={size} height={size} className="graphon-heat" data-testid={testId} />;
}

function Histogram({ counts, color, label }: { counts: number[]; color: string; label: string }) {
  const W = 112, H = 34, max = Math.max(1, ...counts);
  const w = W / Math.max(1, counts.length);
  return (
    <svg width={W} height={H} className="graphon-hist" aria-label={label}>
      {counts.map((c, d) => <rect key={d} x={d * w} y={H - (c / max) * H} width={Math.max(1, w - 0.5)} height={(c / max) * H} fill={color}><title>{`${label} ${d}: ${c} units`}</title></rect>)}
    </svg>
  );
}

const mean = (a: number[]) => (a.length ? a.reduce((x, y) => x + y, 0) / a.length : NaN);

/** Mean in-degree cv and excess distance over the stages: where rewiring takes the masks. */
function Trend({ stages, at }: { stages: { name: string; layers: LayerGraphon[] }[]; at: number }) {
  const W = 260, H = 46, cv = stages.map((s) => mean(s.layers.map((l) => l.inDegree.cv)));
  const lo = Math.min(...cv), hi = Math.max(...cv), span = hi - lo || 1;
  const x = (i: number) => 6 + (i * (W - 12)) / Math.max(1, stages.length - 1), y = (v: number) => H - 6 - ((v - lo) / span) * (H - 12);
  return (
    <svg width={W} height={H} className="graphon-trend" data-testid="graphon-trend" aria-label="mean in-degree cv over the epochs">
      <polyline points={cv.map((v, i) => `${x(i)},${y(v)}`).join(' ')} fill="none" stroke="#2563eb" strokeWidth={1.5} />
      {cv.map((v, i) => <circle key={i} cx={x(i)} cy={y(v)} r={i === at ? 4 : 2.5} fill={i === at ? '#d97706' : '#2563eb'}><title>{`${stages[i].name}: mean in-degree cv ${v.toFixed(3)}`}</title></circle>)}
    </svg>
  );
}

export function GraphonView({ study }: { study: GraphonStudy }) {
  // Start -> each kept epoch -> the model as stored (epoch 0 is the start, shown on the left).
  const stages = [...(study.epochs ?? []).filter((e) => e.epoch > 0).map((e) => ({ name: `after epoch ${e.epoch}`, layers: e.layers })), { name: 'as stored', layers: study.layers }];
  const [at, setAt] = useState(stages.length - 1);
  useEffect(() => setAt(stages.length - 1), [study]);
  if (study.layers.length === 0) return <p className="train-note" data-testid="graphon-view">Model {study.modelId} is dense: it has no sparse mask to estimate.</p>;
  const startLayers = study.epochs?.find((e) => e.epoch === 0)?.layers ?? study.initial?.layers ?? [];
  const init = new Map(startLayers.map((l) => [l.layer, l]));
  const stage = stages[Math.min(at, stages.length - 1)];
  const shown = new Map(stage.layers.map((l) => [l.layer, l]));
  const all = [{ name: 'start', layers: startLayers }, ...stages].filter((s) => s.layers.length > 0);
  return (
    <div className="study-block" data-testid="graphon-view">
      <p className="train-note">
        Model {study.modelId} ({study.method}+{study.regrow}): {study.blocks} x {study.blocks} degree-sorted block densities (rows: outputs, columns: inputs, highest degree first; white 0, dark 1, square-root scale).
        {' '}Left: the masks the run started from{study.initial ? ` (training run ${study.initial.trainingRunId})` : startLayers.length ? '' : ' (unknown: no training run)'}; right: {stage.name}.
        {' '}dist: distance from a constant graphon; null: the same for random masks of the layer's size (the estimator's noise floor).
      </p>
      {stages.length > 1 ? (
        <div className="graphon-epochs">
          <label>epoch
            <input type="range" min={0} max={stages.length - 1} value={at} onChange={(e) => setAt(Number(e.target.value))} data-testid="graphon-epoch" style={{ width: 260 }} />
          </label>
          <b data-testid="graphon-stage">{stage.name}</b>
          <span className="muted">({stages.length - 1} rewiring epoch{stages.length === 2 ? '' : 's'} kept; mean in-degree cv, start to end:)</span>
          <Trend stages={all} at={all.length - stages.length + at} />
        </div>
      ) : (
        <p className="train-note muted" data-testid="graphon-no-epochs">{study.epochs?.length ? 'The masks never changed during training (no rewiring epoch to show).' : 'No masks were kept per epoch for this model (trained before they were kept, or run again to read them).'}</p>
      )}
      <div className="graphon-grid">
        {study.layers.map((final) => {
          const s = init.get(final.layer), l = shown.get(final.layer) ?? final;
          return (
            <div className="graphon-layer" key={l.layer} data-testid="graphon-layer">
              <h4>{l.layer} <small>density {l.p.toFixed(3)}</small></h4>
              <div className="graphon-pair">
                {s ? <Heat layer={s} /> : <div className="graphon-heat empty" />}
                <Heat layer={l} testId="graphon-heat" />
              </div>
              <div className="graphon-figs">
                <span>dist {s ? `${s.distanceFromConstant.toFixed(3)} → ` : ''}<b>{l.distanceFromConstant.toFixed(3)}</b> (null {l.nullDistance.toFixed(3)})</span>
                <span>degree cv in {s ? `${s.inDegree.cv.toFixed(2)} → ` : ''}<b>{l.inDegree.cv.toFixed(2)}</b>, out {s ? `${s.outDegree.cv.toFixed(2)} → ` : ''}<b>{l.outDegree.cv.toFixed(2)}</b></span>
              </div>
              <div className="graphon-pair">
                <Histogram counts={l.inDegree.counts} color="#2563eb" label="in-degree" />
                <Histogram counts={l.outDegree.counts} color="#d97706" label="out-degree" />
              </div>
            </div>
          );
        })}
      </div>
    </div>
  );
}
