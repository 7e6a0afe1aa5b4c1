// The case's models with the metrics kept with them; two or more chosen are
// compared side by side: a table of every block (validation, test, stressed
// test, the DC screen on the same samples) and their validation curves.

import { useMemo } from 'react';
import type { ModelDetailView } from '../../main/api';
import { LineChart } from './LineChart';
import { num, pct, PALETTE, seconds, when } from './format';

export interface ModelsSectionProps {
  models: ModelDetailView[];
  chosen: number[];
  compared: ModelDetailView[] | null;
  onToggle(id: number): void;
  onCompare(): void;
  onCloseCompare(): void;
}

const methodOf = (m: ModelDetailView) => (m.method === 'dense' ? 'dense' : m.method === 'static' ? `static ${pct(m.sparsity, 0)}` : `${m.method}+${m.regrow} ${pct(m.sparsity, 0)}`);

export function ModelsSection({ models, chosen, compared, onToggle, onCompare, onCloseCompare }: ModelsSectionProps) {
  return (
    <section className="train-section" data-testid="models-section">
      <h3>Models of this case</h3>
      {models.length === 0 ? <p className="muted" data-testid="models-empty">No model of this grid yet: train one above.</p> : (
        <>
          <div className="train-scroll">
          <table className="train-table" data-testid="models">
            <thead><tr><th /><th>model</th><th>method</th><th title="parameters kept of the dense equivalent">kept</th><th title="test balanced accuracy">bal. acc</th><th title="test insecure recall">recall</th><th title="test loading MAE">loading MAE</th><th>epochs</th><th>time</th></tr></thead>
            <tbody>
              {models.map((m) => (
                <tr key={m.id} className={chosen.includes(m.id) ? 'sel' : ''} data-testid="model-row" data-id={m.id} onClick={() => onToggle(m.id)}>
                  <td><input type="checkbox" checked={chosen.includes(m.id)} onChange={() => onToggle(m.id)} onClick={(e) => e.stopPropagation()} aria-label={`compare model ${m.id}`} data-testid="model-pick" /></td>
                  <td className="train-name train-name-short" title={`${m.name} · ${when(m.createdAt)}`}>{m.id} · {m.name}</td>
                                    <td>{methodOf(m)}</td>
                  <td>{pct(m.density)}</td>
                  <td>{pct(m.test?.balancedAccuracy)}</td>
                  <td>{pct(m.test?.recall)}</td>
                  <td>{num(m.test?.loadingMae, 4)}</td>
                  <td>{m.epochs ?? '—'}</td>
                  <td>{seconds(m.seconds)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          </div>
          <div className="train-actions">
            <button type="button" className="primary" disabled={chosen.length < 2} onClick={onCompare} data-testid="models-compare">Compare {chosen.length >= 2 ? `${chosen.length} models` : '(choose two or more)'}</button>
            {compared && <button type="button" onClick={onCloseCompare}>Close comparison</button>}
          </div>
        </>
      )}
      {compared && <Comparison models={compared} />}
    </section>
  );
}

type Row = [label: string, value: (m: ModelDetailView) => string, best?: (m: ModelDetailView) => number | null | undefined];

const ROWS: Row[] = [
  ['method', methodOf],
  ['parameters kept', (m) => `${pct(m.density)}${m.paramsKept !== null ? ` (${m.paramsKept})` : ''}`, (m) => (m.density === null ? null : -m.density)],
  ['val bal. accuracy', (m) => pct(m.val?.balancedAccuracy, 2), (m) => m.val?.balancedAccuracy],
  ['val recall', (m) => pct(m.val?.recall, 2), (m) => m.val?.recall],
  ['test bal. accuracy', (m) => pct(m.test?.balancedAccuracy, 2), (m) => m.test?.balancedAccuracy],
  ['test recall', (m) => pct(m.test?.recall, 2), (m) => m.test?.recall],
  ['test precision', (m) => pct(m.test?.precision, 2), (m) => m.test?.precision],
  ['test loading MAE', (m) => num(m.test?.loadingMae, 4), (m) => (m.test?.loadingMae == null ? null : -m.test.loadingMae)],
  ['test |V| MAE', (m) => num(m.test?.vmMae, 5), (m) => (m.test?.vmMae == null ? null : -m.test.vmMae)],
  ['stressed bal. accuracy', (m) => (m.testStressed ? `${pct(m.testStressed.balancedAccuracy, 2)} (${m.testStressed.scenarios} scen.)` : '—'), (m) => m.testStressed?.balancedAccuracy],
  ['stressed recall', (m) => pct(m.testStressed?.recall, 2), (m) => m.testStressed?.recall],
  ['DC screen bal. accuracy', (m) => pct(m.dcTest?.balancedAccuracy, 2)],
  ['threshold', (m) => num(m.threshold, 3)],
  ['epochs', (m) => `${m.epochs ?? '—'}${m.bestEpoch ? ` (best ${m.bestEpoch}, ${m.stopped ?? ''})` : ''}`],
  ['training time', (m) => seconds(m.seconds)],
  ['dataset', (m) => (m.datasetId === null ? '—' : String(m.datasetId))],
];

function Comparison({ models }: { models: ModelDetailView[] }) {
  const x = useMemo(() => Array.from({ length: Math.max(0, ...models.map((m) => m.curve.at(-1)?.epoch ?? 0)) }, (_, i) => i + 1), [models]);
  const series = useMemo(() => models.map((m, i) => {
    const byEpoch = new Map(m.curve.map((e) => [e.epoch, e.balancedAccuracy]));
    return { label: `model ${m.id}`, color: PALETTE[i % PALETTE.length], values: x.map((e) => byEpoch.get(e) ?? null) };
  }), [models, x]);
  return (
    <div className="train-compare" data-testid="compare">
      <div className="train-compare-scroll">
        <table className="train-table train-compare-table" data-testid="compare-table">
          <thead><tr><th />{models.map((m, i) => <th key={m.id} className="train-name" title={m.name}><span className="train-swatch" style={{ background: PALETTE[i % PALETTE.length] }} />model {m.id}</th>)}</tr></thead>
          <tbody>
            {ROWS.map(([label, value, best]) => {
              const scores = best ? models.map((m) => best(m) ?? null) : [];
              const known = scores.filter((s): s is number => s !== null);
              // The best of each figure in bold, when the models differ in it.
              const top = known.length > 1 && Math.min(...known) !== Math.max(...known) ? Math.max(...known) : null;
              return (
                <tr key={label}>
                  <th scope="row">{label}</th>
                  {models.map((m, i) => <td key={m.id} className={top !== null && models.length > 1 && scores[i] === top ? 'train-best' : ''}>{value(m)}</td>)}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <h4>Validation balanced accuracy per epoch</h4>
      {x.length ? <LineChart x={x} series={series} range={[0, 1]} testId="compare-chart" height={170} format={(v) => `${Math.round(v * 100)}%`} />
        : <p className="muted">No training curve is stored with these models.</p>}
    </div>
  );
}
