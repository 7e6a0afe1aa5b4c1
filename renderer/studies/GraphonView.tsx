// The graphon estimates of a model's sparse layers: per layer the
// degree-sorted block densities as a heat map, at the start of training
// (the ERK masks) and as stored, with the in- and out-degree histograms.

import { useEffect, useRef } from 'react';
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

export function GraphonView({ study }: { study: GraphonStudy }) {
  if (study.layers.length === 0) return <p className="train-note" data-testid="graphon-view">Model {study.modelId} is dense: it has no sparse mask to estimate.</p>;
  const init = new Map((study.initial?.layers ?? []).map((l) => [l.layer, l]));
  return (
    <div className="study-block" data-testid="graphon-view">
      <p className="train-note">
        Model {study.modelId} ({study.method}+{study.regrow}): {study.blocks} x {study.blocks} degree-sorted block densities (rows: outputs, columns: inputs, highest degree first; white 0, dark 1, square-root scale).
        {' '}Left: the masks the run started from{study.initial ? ` (training run ${study.initial.trainingRunId})` : ' (unknown: no training run)'}; right: as stored.
        {' '}dist: distance from a constant graphon; null: the same for random masks of the layer's size (the estimator's noise floor). Masks of intermediate rewiring epochs are not kept by the store.
      </p>
      <div className="graphon-grid">
        {study.layers.map((l) => {
          const s = init.get(l.layer);
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
