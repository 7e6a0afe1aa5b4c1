// The robustness curves of one model (and, dashed, a second one): one chart
// per figure, a line per perturbation, the band of each over its draws.

import type { RobustnessStudy } from '../../main/api';
import { StudyChart, type StudySeries } from './StudyChart';

export const PERTURBATION_COLOURS: Record<string, string> = {
  random: '#2563eb', weight: '#dc2626', reverse: '#16a34a', shuffle: '#9333ea', noise: '#d97706',
};

const FIGURES = [
  { key: 'balancedAccuracy', title: 'balanced accuracy', range: [0.4, 1] as [number, number] },
  { key: 'recall', title: 'insecure recall', range: [0, 1] as [number, number] },
  { key: 'accuracy', title: 'accuracy', range: [0, 1] as [number, number] },
  { key: 'loadingMae', title: 'loading MAE (p.u. of rating)', range: undefined },
] as const;

type Figure = (typeof FIGURES)[number]['key'];

function seriesOf(s: RobustnessStudy, f: Figure, dash: boolean): StudySeries[] {
  return s.curves.map((c) => ({
    label: `${dash ? `model ${s.modelId} ` : ''}${c.perturbation}`,
    color: PERTURBATION_COLOURS[c.perturbation] ?? '#555',
    dash,
    values: c.points.map((p) => p[f]),
    band: c.points.some((p) => p.draws > 1)
      ? { lo: c.points.map((p) => p[f] - p.spreads[f]), hi: c.points.map((p) => p[f] + p.spreads[f]) }
      : undefined,
  }));
}

export function RobustnessView({ study, other }: { study: RobustnessStudy; other: RobustnessStudy | null }) {
  const x = study.curves[0]?.points.map((p) => p.fraction) ?? [];
  const c = study.config;
  return (
    <div className="study-block" data-testid="robustness-view">
      <p className="train-note">
        Model {study.modelId} ({study.method}{study.method === 'dense' ? '' : `+${study.regrow}`}){other ? <>, dashed: model {other.modelId} ({other.method}{other.method === 'dense' ? '' : `+${other.regrow}`})</> : null}:
        {' '}{c.evaluated} of {c.testOutages} test outages ({c.insecure} insecure), {c.draws} draws per random point, {study.seconds.toFixed(0)} s{c.workers ? ` on ${c.workers} thread${c.workers === 1 ? '' : 's'}` : ''}.
        {' '}x: fraction of each hidden layer's connections (noise: scale 0–2 layer std).
      </p>
      <div className="legend-row" data-testid="robustness-legend">
        {study.curves.map((cv) => <span key={cv.perturbation}><i style={{ background: PERTURBATION_COLOURS[cv.perturbation] }} />{cv.perturbation}</span>)}
      </div>
      <div className="study-charts">
        {FIGURES.map((f) => (
          <StudyChart key={f.key} title={f.title} x={x} xLabel="fraction" range={f.range} testId={`robustness-${f.key}`}
            series={[...seriesOf(study, f.key, false), ...(other ? seriesOf(other, f.key, true) : [])]} />
        ))}
      </div>
    </div>
  );
}
