// Datasets of the open case: the form of a new build (random load scenarios;
// empty fields take the defaults found for the case, shown beside them), its
// progress with cancel, and the stored datasets to train on.

import { useState } from 'react';
import type { ClusterInfo, DatasetDefaults, DatasetInfo, JobEventView, JobView } from '../../main/api';
import { bytes, num, pct, when } from './format';

export interface DatasetSectionProps {
  defaults: DatasetDefaults | null;
  datasets: DatasetInfo[];
  job: JobEventView | JobView | null;
  chosen: number | null;
  onChoose(id: number): void;
  onBuild(req: { scenarios?: number; levelMin?: number; levelMax?: number; seed?: number; cluster?: boolean }): void;
  onCancel(): void;
  /** The configured cluster, if any: the scenarios may be labelled by its workers. */
  cluster?: ClusterInfo | null;
}

/** A form field's number, or undefined when left empty. */
const numberOf = (s: string): number | undefined => (s.trim() === '' ? undefined : Number(s));

export function DatasetSection({ defaults, datasets, job, chosen, onChoose, onBuild, onCancel, cluster }: DatasetSectionProps) {
  const [onCluster, setOnCluster] = useState(false);
  const [scenarios, setScenarios] = useState('');
  const [levelMin, setLevelMin] = useState('');
  const [levelMax, setLevelMax] = useState('');
  const [seed, setSeed] = useState('');
  const running = job?.status === 'running' || job?.status === 'queued';
  const outcome = job && 'dataset' in job ? job.dataset : undefined;
  const r = defaults?.loadRange;
  return (
    <section className="train-section" data-testid="dataset-section">
      <h3>Datasets</h3>
      <form className="train-form" onSubmit={(e) => { e.preventDefault(); onBuild({ scenarios: numberOf(scenarios), levelMin: numberOf(levelMin), levelMax: numberOf(levelMax), seed: numberOf(seed), ...(onCluster ? { cluster: true } : {}) }); }}>
        <label>scenarios<input type="number" min={1} step={1} value={scenarios} placeholder={String(defaults?.scenarios ?? 20)} onChange={(e) => setScenarios(e.target.value)} data-testid="dataset-scenarios" /></label>
        <label>level min<input type="number" min={0.01} step={0.01} value={levelMin} placeholder={defaults ? num(defaults.levelMin, 3) : '…'} onChange={(e) => setLevelMin(e.target.value)} data-testid="dataset-level-min" /></label>
        <label>level max<input type="number" min={0.01} step={0.01} value={levelMax} placeholder={defaults ? num(defaults.levelMax, 3) : '…'} onChange={(e) => setLevelMax(e.target.value)} data-testid="dataset-level-max" /></label>
        <label>seed<input type="number" min={0} step={1} value={seed} placeholder={String(defaults?.seed ?? 1)} onChange={(e) => setSeed(e.target.value)} data-testid="dataset-seed" /></label>
        {cluster?.configured && (
          <label className="n1-cluster" title={cluster.error ?? `${cluster.url}: ${cluster.workers.map((w) => w.name).join(', ') || 'no worker connected'}`}>
            <input type="checkbox" checked={onCluster} disabled={!!cluster.error} onChange={(e) => setOnCluster(e.target.checked)} data-testid="dataset-on-cluster" />
            on the cluster ({cluster.error ? 'unreachable' : `${cluster.workers.length} worker${cluster.workers.length === 1 ? '' : 's'}`})
          </label>
        )}
        <div className="train-actions">
          <button type="submit" className="primary" disabled={running} data-testid="dataset-build">Build dataset</button>
          {running && <button type="button" onClick={onCancel} data-testid="dataset-cancel">Cancel</button>}
        </div>
      </form>
      <p className="muted train-note" data-testid="dataset-defaults">
        {r ? <>the base case converges from level {num(r.min, 3)}{r.minIsBound ? ' (search bound)' : ''} to {num(r.max, 3)}{r.maxIsBound ? ' (search bound)' : ''}; empty fields take the defaults shown{defaults?.outagesPerScenario ? <>, and with the default count {defaults.outagesPerScenario} random branch outages of each scenario (a large grid: more operating points for the same time)</> : null}</> : 'searching the load range the base case converges over…'}
      </p>
      {running && job && (
        <div className="progress" data-testid="dataset-progress">
          <div className="bar"><div style={{ width: `${job.total ? (100 * job.done) / job.total : 0}%` }} /></div>
          <small>{job.status === 'queued' ? 'queued (other jobs are using the cores)' : job.total ? `${job.done}/${job.total} scenarios labelled` : 'solving the base cases…'}</small>
        </div>
      )}
      {outcome && (
        <p className="muted train-note" data-testid="dataset-outcome">
          dataset {outcome.datasetId}: {outcome.cancelled ? `cancelled, ${outcome.samples} outages kept (unfinished, cannot be trained on)` : `${outcome.scenarios} scenarios, ${outcome.samples} outages in ${outcome.seconds.toFixed(1)} s`}
          {outcome.levels && ` · levels ${num(outcome.levels.min, 3)}–${num(outcome.levels.max, 3)} (${outcome.levels.from === 'range' ? 'defaults within the range found' : 'as given'})`}
          {outcome.skipped.length > 0 && ` · ${outcome.skipped.length} skipped: ${outcome.skipped.slice(0, 3).map((s) => `scenario ${s.id} ${s.reason}`).join('; ')}${outcome.skipped.length > 3 ? '…' : ''}`}
        </p>
      )}
      {job?.status === 'failed' && <p className="error" role="alert">{job.error}</p>}
      {datasets.length === 0 ? <p className="muted" data-testid="datasets-empty">No dataset of this case yet: build one above.</p> : (
        <div className="train-scroll">
        <table className="train-table" data-testid="datasets">
          <thead><tr><th /><th>dataset</th><th title="train / validation / test scenarios">scenarios</th><th title="branch outages per scenario">outages</th><th>insecure</th><th>levels</th><th>size</th></tr></thead>
          <tbody>
            {datasets.map((d) => (
              <tr key={d.id} className={d.id === chosen ? 'sel' : ''} data-testid="dataset-row" data-id={d.id} onClick={() => d.status === 'done' && onChoose(d.id)}>
                <td><input type="radio" name="train-dataset" checked={d.id === chosen} disabled={d.status !== 'done'} onChange={() => onChoose(d.id)} aria-label={`train on dataset ${d.id}`} /></td>
                <td className="train-name" title={`${d.name} · ${when(d.createdAt)}`}>{d.id} · {d.name}{d.status !== 'done' && <span className="train-flag"> unfinished</span>}</td>
                <td>{d.scenarios.train}/{d.scenarios.val}/{d.scenarios.test}{d.skipped ? ` (${d.skipped} skipped)` : ''}</td>
                <td>{d.outages}</td>
                <td>{pct(d.insecureShare)}</td>
                <td>{d.levels ? `${num(d.levels.min, 2)}–${num(d.levels.max, 2)}` : '—'}</td>
                <td>{bytes(d.bytes)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      )}
    </section>
  );
}
