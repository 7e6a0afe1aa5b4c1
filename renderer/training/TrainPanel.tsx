// The Train tab: datasets, training and models of the open case. Jobs run in
// the main process; their progress and each training epoch arrive as pushed
// events (nothing polls), and a window opened while a job of the case runs
// picks it up with every epoch so far.

import { useEffect, useRef, useState } from 'react';
import type { DatasetDefaults, DatasetInfo, JobEventView, JobView, ModelDetailView, TrainingJobView, TrainingRunInfo } from '../../main/api';
import { api } from '../api';
import { subscribeEvents } from '../events';
import { DatasetSection } from './DatasetSection';
import { useCluster } from '../cluster';
import { ModelsSection } from './ModelsSection';
import { TrainingSection, type TrainRequestForm } from './TrainingSection';

const FINISHED = ['done', 'cancelled', 'failed'];

export function TrainPanel({ caseKey }: { caseKey: string }) {
  /** The configured cluster (GRIDREWIRE_REDIS): a dataset's scenarios may be labelled by its workers. */
  const cluster = useCluster(true);
  const [defaults, setDefaults] = useState<DatasetDefaults | null>(null);
  const [datasets, setDatasets] = useState<DatasetInfo[]>([]);
  const [runs, setRuns] = useState<TrainingRunInfo[]>([]);
  const [models, setModels] = useState<ModelDetailView[]>([]);
  const [dataset, setDataset] = useState<number | null>(null);
  const [datasetJob, setDatasetJob] = useState<JobEventView | JobView | null>(null);
  const [trainJob, setTrainJob] = useState<JobEventView | JobView | null>(null);
  const [training, setTraining] = useState<TrainingJobView | null>(null);
  const [chosen, setChosen] = useState<number[]>([]);
  const [compared, setCompared] = useState<ModelDetailView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  /** The jobs followed (events of others are ignored), and the case they belong to. */
  const follow = useRef({ dataset: null as number | null, train: null as number | null, key: caseKey });
  /** What the epoch events extend (they arrive outside React's render). */
  const trainingRef = useRef<TrainingJobView | null>(null);
  trainingRef.current = training;
  const fail = (e: unknown) => setError(e instanceof Error ? e.message : String(e));

  async function refresh(key: string) {
    const [d, r, m] = await Promise.all([api.datasets({ name: key }), api.trainingRuns({ name: key }), api.caseModels({ name: key })]);
    if (follow.current.key !== key) return;
    setDatasets(d); setRuns(r); setModels(m);
    setDataset((cur) => (cur !== null && d.some((x) => x.id === cur && x.status === 'done') ? cur : d.find((x) => x.status === 'done')?.id ?? null));
    // A run of this case being trained now (this window was opened or reloaded meanwhile).
    const live = r.find((x) => x.jobId !== null);
    if (live && follow.current.train === null) await followTrain(live.jobId!);
  }

  async function readJob(jobId: number) {
    const j = await api.job({ jobId });
    if (j.kind === 'dataset' && follow.current.dataset === jobId) {
      setDatasetJob(j);
      if (FINISHED.includes(j.status)) await refresh(follow.current.key);
    }
    if (j.kind === 'train' && follow.current.train === jobId) {
      setTrainJob(j);
      if (j.training) setTraining(j.training);
      if (FINISHED.includes(j.status)) await refresh(follow.current.key);
    }
  }

  async function followTrain(jobId: number) {
    follow.current.train = jobId;
    await readJob(jobId);
  }

  useEffect(() => {
    follow.current = { dataset: null, train: null, key: caseKey };
    setDefaults(null); setDatasets([]); setRuns([]); setModels([]); setDataset(null); setDatasetJob(null); setTrainJob(null); setTraining(null);
    setChosen([]); setCompared(null); setError(null);
    refresh(caseKey).catch(fail);
    api.datasetDefaults({ name: caseKey }).then((d) => { if (follow.current.key === caseKey) setDefaults(d); }, fail);
    return subscribeEvents((e) => {
      const f = follow.current;
      if (e.type === 'epoch') {
        // Following nothing: a run of this case may have started before this panel was (re)mounted,
        // its store row not yet there when the mount's refresh looked; its epochs say it is there now.
        if (f.train === null) { void refresh(f.key).catch(fail); return; }
        if (e.jobId !== f.train) return;
        // The job's view was read before it started: read it again, with this epoch.
        if (!trainingRef.current) { void readJob(e.jobId).catch(fail); return; }
        setTraining((t) => (t && !t.epochs.some((x) => x.epoch === e.epoch.epoch)
          ? { ...t, runId: e.runId, epochs: [...t.epochs.filter((x) => x.epoch < e.epoch.epoch), e.epoch] } : t));
        return;
      }
      const j = e.job;
      if (j.id === f.dataset) {
        if (FINISHED.includes(j.status)) void readJob(j.id).catch(fail); else setDatasetJob(j);
      } else if (j.id === f.train) {
        if (FINISHED.includes(j.status)) void readJob(j.id).catch(fail); else setTrainJob(j);
      } else if (j.kind === 'train' && j.status === 'running' && f.train === null && j.done <= 1) {
        // A training job started elsewhere (another window, the same case perhaps): the runs say whether it is this case's.
        void refresh(f.key).catch(fail);
      }
    }, () => { refresh(follow.current.key).catch(fail); for (const id of [follow.current.dataset, follow.current.train]) if (id !== null) void readJob(id).catch(fail); });
  }, [caseKey]);

  async function build(req: { scenarios?: number; levelMin?: number; levelMax?: number; seed?: number; cluster?: boolean }) {
    setError(null);
    try {
      const { jobId } = await api.startDataset({ name: caseKey, ...req });
      follow.current.dataset = jobId;
      await readJob(jobId);
    } catch (e) { fail(e); }
  }
  async function train(req: TrainRequestForm) {
    if (dataset === null) return;
    setError(null);
    try {
      // The last job's view goes at once: its chart must not pass for the new job's while this one is requested.
      setTrainJob(null); setTraining(null);
      const { jobId } = await api.startTraining({ name: caseKey, dataset, ...req, ...(req.method === 'dense' ? { sparsity: undefined } : {}) });
      await followTrain(jobId);
    } catch (e) { fail(e); }
  }
  async function resume(runId: number) {
    setError(null);
    try {
      setTrainJob(null); setTraining(null);
      const { jobId } = await api.startTraining({ name: caseKey, resume: runId });
      await followTrain(jobId);
    } catch (e) { fail(e); }
  }
  async function compare() {
    setError(null);
    try { setCompared(await api.compareModels({ name: caseKey, models: chosen })); } catch (e) { fail(e); }
  }
  const cancel = (jobId: number | null) => { if (jobId !== null) api.cancelJob({ jobId }).catch(fail); };

  return (
    <div className="train-panel" data-testid="train-panel">
      {error && <p className="error" role="alert" data-testid="train-error">{error}</p>}
      <DatasetSection defaults={defaults} datasets={datasets} job={datasetJob} chosen={dataset} onChoose={setDataset} onBuild={(r) => void build(r)}
        onCancel={() => cancel(follow.current.dataset)} cluster={cluster} />
      <TrainingSection dataset={datasets.find((d) => d.id === dataset) ?? null} job={trainJob} training={training} runs={runs}
        onTrain={(r) => void train(r)} onCancel={() => cancel(follow.current.train)} onResume={(id) => void resume(id)} />
      <ModelsSection models={models} chosen={chosen} compared={compared}
        onToggle={(id) => setChosen((c) => (c.includes(id) ? c.filter((x) => x !== id) : [...c, id]))} onCompare={() => void compare()} onCloseCompare={() => setCompared(null)} />
    </div>
  );
}
