// Training on the chosen dataset: method, regrowth rule, sparsity, epochs
// and width; the running job's live charts with cancel; runs that were
// cancelled or killed, each resumable from its checkpoint.

import { useState } from 'react';
import type { DatasetInfo, JobEventView, JobView, TrainingJobView, TrainingRunInfo } from '../../main/api';
import { EpochCharts } from './EpochCharts';
import { pct, when } from './format';

/** The topology methods and regrowth rules as `gridrewire train` names them. */
const METHODS = ['adaptive', 'rigl', 'set', 'static', 'dense'] as const;
const REGROW = ['ch3l3', 'gradient', 'random'] as const;
/** The regrowth each method uses when none is chosen (core/learn/schedule.ts). */
const NATURAL: Record<string, string> = { set: 'random', rigl: 'gradient', adaptive: 'ch3l3' };

export interface TrainRequestForm {
  method: (typeof METHODS)[number];
  regrow?: (typeof REGROW)[number];
  sparsity: number;
  epochs: number;
  hidden: number;
  /** Epochs without a better validation loss before training stops (0: every epoch runs); unset takes the trainer's default. */
  patience?: number;
  /** The insecure class's loss weight chosen on validation by short pilots; unset: the class ratio. */
  posWeight?: 'auto';
}

export interface TrainingSectionProps {
  dataset: DatasetInfo | null;
  job: (JobEventView | JobView) | null;
  training: TrainingJobView | null;
  runs: TrainingRunInfo[];
  onTrain(req: TrainRequestForm): void;
  onCancel(): void;
  onResume(runId: number): void;
}

export function TrainingSection({ dataset, job, training, runs, onTrain, onCancel, onResume }: TrainingSectionProps) {
  const [method, setMethod] = useState<TrainRequestForm['method']>('adaptive');
  const [regrow, setRegrow] = useState<TrainRequestForm['regrow'] | ''>('');
  const [sparsity, setSparsity] = useState('0.9');
  const [epochs, setEpochs] = useState('30');
  const [hidden, setHidden] = useState('48');
  const [patience, setPatience] = useState('');
  const [weighting, setWeighting] = useState<'ratio' | 'auto'>('ratio');
  const running = job?.status === 'running' || job?.status === 'queued';
  const rewires = method !== 'static' && method !== 'dense';
  const resumable = runs.filter((r) => (r.status === 'cancelled' || r.status === 'interrupted' || r.status === 'failed') && r.jobId === null);
  return (
    <section className="train-section" data-testid="training-section">
      <h3>Training</h3>
      <form className="train-form" onSubmit={(e) => {
        e.preventDefault();
        onTrain({ method, regrow: rewires && regrow ? regrow : undefined, sparsity: Number(sparsity), epochs: Number(epochs), hidden: Number(hidden), ...(patience.trim() ? { patience: Number(patience) } : {}), ...(weighting === 'auto' ? { posWeight: 'auto' as const } : {}) });
      }}>
        <label>method
          <select value={method} onChange={(e) => setMethod(e.target.value as TrainRequestForm['method'])} data-testid="train-method">
            {METHODS.map((m) => <option key={m} value={m}>{m}</option>)}
          </select>
        </label>
        <label>regrowth
          <select value={rewires ? regrow : ''} disabled={!rewires} onChange={(e) => setRegrow(e.target.value as TrainRequestForm['regrow'])} data-testid="train-regrow">
            <option value="">{rewires ? `${NATURAL[method]} (default)` : 'none'}</option>
            {rewires && REGROW.map((r) => <option key={r} value={r}>{r}</option>)}
          </select>
        </label>
        <label>sparsity<input type="number" min={0.01} max={0.99} step={0.01} value={sparsity} disabled={method === 'dense'} onChange={(e) => setSparsity(e.target.value)} data-testid="train-sparsity" /></label>
        <label>epochs<input type="number" min={1} step={1} value={epochs} onChange={(e) => setEpochs(e.target.value)} data-testid="train-epochs" /></label>
        <label title="hidden units per layer">width<input type="number" min={4} max={256} step={1} value={hidden} onChange={(e) => setHidden(e.target.value)} data-testid="train-hidden" /></label>
        <label title="early stopping: epochs without a better validation loss before training stops; 0 runs every epoch">patience<input type="number" min={0} step={1} placeholder="default" value={patience} onChange={(e) => setPatience(e.target.value)} data-testid="train-patience" /></label>
        <label title="weight of insecure outages in the verdict loss: the training set's class ratio, or the best of three chosen on validation by short pilot runs (7.5% more training time)">class weight
          <select value={weighting} onChange={(e) => setWeighting(e.target.value as 'ratio' | 'auto')} data-testid="train-class-weight">
            <option value="ratio">class ratio</option>
            <option value="auto">on validation</option>
          </select>
        </label>
        <div className="train-actions">
          <button type="submit" className="primary" disabled={running || !dataset} data-testid="train-start"
            title={dataset ? `train on dataset ${dataset.id}` : 'choose a finished dataset above'}>Train{dataset ? ` on dataset ${dataset.id}` : ''}</button>
          {running && <button type="button" onClick={onCancel} data-testid="train-cancel">Cancel</button>}
        </div>
      </form>
      {!dataset && <p className="muted train-note">Choose a finished dataset above to train on.</p>}
      {job && (
        <div className="train-job" data-testid="train-job" data-status={job.status}>
          <p className="train-job-head">
            <span className="train-name" title={job.label}>{job.label}</span>
            <span className={`train-status train-status-${job.status}`} data-testid="train-status">{job.status === 'queued' ? `queued${job.queuePosition ? ` (${job.queuePosition} in line)` : ''}` : job.status}</span>
          </p>
          {job.status === 'running' && (
            <div className="progress">
              <div className="bar"><div style={{ width: `${job.total ? (100 * job.done) / job.total : 0}%` }} /></div>
              <small>{job.total ? `step ${job.done}/${job.total} · ${job.rate.toFixed(1)} steps/s · ETA ${job.etaSeconds >= 0 ? `${job.etaSeconds.toFixed(0)} s` : '…'}` : 'loading the dataset…'}{job.threads && job.threads > 1 ? ` · ${job.threads} threads` : ''}</small>
            </div>
          )}
          {job.status === 'failed' && <p className="error" role="alert">{job.error}</p>}
          {training && <EpochCharts epochs={training.epochs} planned={training.epochsPlanned} />}
          {job.status === 'done' && training?.modelId !== null && training && <p className="notice" data-testid="train-saved">model {training.modelId} saved ({training.stopped})</p>}
          {job.status === 'cancelled' && training?.runId !== null && training && (
            <p className="muted" data-testid="train-cancelled">cancelled: training run {training.runId} keeps its checkpoint{' '}
              <button type="button" className="train-link" onClick={() => onResume(training.runId!)} data-testid="train-resume">Resume</button></p>
          )}
        </div>
      )}
      {resumable.length > 0 && (
        <div className="train-runs" data-testid="train-runs">
          <h4>Unfinished runs</h4>
          <ul>
            {resumable.map((r) => (
              <li key={r.runId} data-testid="train-run" data-run={r.runId}>
                <span className="train-name" title={r.error ?? undefined}>run {r.runId} · {r.method}{r.regrow && r.method !== 'static' && r.method !== 'dense' ? `+${r.regrow}` : ''} {pct(r.sparsity, 0)} · dataset {r.datasetId} · {r.status} at epoch {r.checkpointEpoch ?? 0}/{r.epochs} · {when(r.startedAt)}</span>
                <button type="button" disabled={running} onClick={() => onResume(r.runId)} data-testid="run-resume">Resume</button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
