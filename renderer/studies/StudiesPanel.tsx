// The Studies tab: robustness, compression and the graphon of a stored model
// of the open case. Each study runs as a background job in the main process
// (progress pushed as events, cancel) and is read back from the store, so a
// study run before shows at once; a second model's robustness curves can be
// overlaid.

import { useEffect, useRef, useState } from 'react';
import type { JobEventView, JobView, ModelDetailView, StudiesView } from '../../main/api';
import { api } from '../api';
import { subscribeEvents } from '../events';
import { CompressionView } from './CompressionView';
import { GraphonView } from './GraphonView';
import { RobustnessView } from './RobustnessView';
import { DEFAULT_CHOICES, StudyOptions, choicesProblem, type StudyChoices } from './StudyOptions';

type Study = 'robustness' | 'compression' | 'graphon';
const FINISHED = ['done', 'cancelled', 'failed'];
const TITLES: Record<Study, string> = { robustness: 'Robustness', compression: 'Compression', graphon: 'Graphon' };

export function StudiesPanel({ caseKey }: { caseKey: string }) {
  const [models, setModels] = useState<ModelDetailView[]>([]);
  const [model, setModel] = useState<number | null>(null);
  const [other, setOther] = useState<number | null>(null);
  const [study, setStudy] = useState<Study>('robustness');
  const [stored, setStored] = useState<StudiesView | null>(null);
  const [otherStored, setOtherStored] = useState<StudiesView | null>(null);
  const [job, setJob] = useState<JobEventView | JobView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [choices, setChoices] = useState<StudyChoices>(DEFAULT_CHOICES);
  const follow = useRef<{ job: number | null; model: number | null }>({ job: null, model: null });
  const fail = (e: unknown) => setError(e instanceof Error ? e.message : String(e));

  useEffect(() => {
    setModels([]); setModel(null); setOther(null); setStored(null); setOtherStored(null); setJob(null); setError(null);
    api.caseModels({ name: caseKey }).then((m) => {
      setModels(m);
      setModel(m[0]?.id ?? null);
    }, fail);
  }, [caseKey]);

  async function load(id: number) {
    const s = await api.studies({ model: id });
    if (follow.current.model === id) setStored(s);
  }
  useEffect(() => {
    follow.current.model = model;
    setStored(null);
    if (model !== null) load(model).catch(fail);
  }, [model]);
  useEffect(() => {
    setOtherStored(null);
    if (other !== null) api.studies({ model: other }).then(setOtherStored, fail);
  }, [other]);

  useEffect(() => subscribeEvents((e) => {
    if (e.type !== 'job' || e.job.id !== follow.current.job) return;
    setJob(e.job);
    if (FINISHED.includes(e.job.status)) {
      follow.current.job = null;
      if (e.job.status === 'failed') void api.job({ jobId: e.job.id }).then((j) => setError(j.error ?? 'the study failed'), fail);
      if (follow.current.model !== null) load(follow.current.model).catch(fail);
    }
  }), []);

  async function run() {
    if (model === null) return;
    setError(null);
    try {
      const c = choices;
      const opts = study === 'robustness' ? { perturbations: c.perturbations, draws: c.draws, outages: c.outages }
        : study === 'compression' ? { prune: c.prune, quantize: c.quantize, finetune: c.finetune }
          : { blocks: c.blocks };
      const { jobId } = await api.startStudy({ model, study, ...opts });
      follow.current.job = jobId;
      const j = await api.job({ jobId });
      setJob(j);
      if (FINISHED.includes(j.status)) { follow.current.job = null; await load(model); }
    } catch (e) { fail(e); }
  }

  const running = job !== null && !FINISHED.includes(job.status);
  const problem = choicesProblem(study, choices);
  const doc = stored?.[study] ?? null;
  const name = (m: ModelDetailView) => `${m.id}: ${m.name}`;
  return (
    <div className="train-panel studies-panel" data-testid="studies-panel">
      {error && <p className="error" role="alert" data-testid="studies-error">{error}</p>}
      <div className="train-form">
        <label>model<select value={model ?? ''} onChange={(e) => setModel(Number(e.target.value))} data-testid="studies-model" style={{ width: 260 }}>
          {models.map((m) => <option key={m.id} value={m.id}>{name(m)}</option>)}
        </select></label>
        <label>overlay robustness of<select value={other ?? ''} onChange={(e) => setOther(e.target.value ? Number(e.target.value) : null)} data-testid="studies-other" style={{ width: 260 }}>
          <option value="">none</option>
          {models.filter((m) => m.id !== model).map((m) => <option key={m.id} value={m.id}>{name(m)}</option>)}
        </select></label>
      </div>
      {models.length === 0 && <p className="train-note muted">No model of this case yet: train one in the Train tab.</p>}
      <div className="tabs study-tabs">
        {(Object.keys(TITLES) as Study[]).map((s) => (
          <button key={s} className={study === s ? 'on' : ''} onClick={() => setStudy(s)} data-testid={`study-${s}`}>{TITLES[s]}{stored?.[s] ? '' : ' ·'}</button>
        ))}
      </div>
      <StudyOptions study={study} choices={choices} onChange={setChoices} disabled={running} />
      <div className="train-actions">
        <button className="primary" disabled={model === null || running || problem !== null} onClick={() => void run()} data-testid="study-run">
          {doc ? 'Run again' : `Run ${study}`}
        </button>
        {problem && <span className="train-note error-text" data-testid="study-problem">{problem}</span>}
        {running && <button onClick={() => { if (job) api.cancelJob({ jobId: job.id }).catch(fail); }} data-testid="study-cancel">Cancel</button>}
        {job && (
          <span className="train-note" data-testid="study-job">
            {job.label}: {job.status === 'queued' ? 'queued' : job.status === 'running' ? `${job.done}/${job.total}${job.etaSeconds >= 0 && job.done > 0 ? `, ${Math.ceil(job.etaSeconds)} s left` : ''}` : job.status}
          </span>
        )}
      </div>
      {doc === null && !running && model !== null && <p className="train-note muted" data-testid="study-none">No {study} study of model {model} is stored yet.</p>}
      {study === 'robustness' && stored?.robustness && <RobustnessView study={stored.robustness} other={otherStored?.robustness ?? null} />}
      {study === 'robustness' && other !== null && otherStored && !otherStored.robustness && <p className="train-note muted">Model {other} has no robustness study to overlay yet.</p>}
      {study === 'compression' && stored?.compression && <CompressionView study={stored.compression} />}
      {study === 'graphon' && stored?.graphon && <GraphonView study={stored.graphon} />}
    </div>
  );
}
