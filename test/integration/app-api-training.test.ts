// Training from the window, through the Api with a real SQLite store: a
// dataset built as a queued job (progress per scenario, the load range found,
// cancel keeping whole scenarios), training as a job whose epochs are pushed
// and kept in its view, cancel keeping a checkpoint that resume continues,
// the case's models with their metrics and curves compared, and every bad
// request refused with the field it names.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError, validators, type Api, type ApiEvent, type ApiMethod, type ApiRequest, type JobView } from '../../main/api';
import { createApp } from '../../main/services/app';
import { casesDir } from '../../main/paths';
import { openStore, type Store } from '../../main/store';

const dir = mkdtempSync(join(tmpdir(), 'gridrewire-api-training-'));
let store: Store;
let api: Api;
const events: ApiEvent[] = [];
let unsubscribe: () => void;
/** Another subscriber to the app's events (a test reacting to them, e.g. to cancel). */
let listenTo: (listener: (e: ApiEvent) => void) => () => void;
/** case30's dataset built in the first test. */
let dataset = 0;
const models: number[] = [];
const CASE30_BRANCHES = 41;

/** A request as the adapters pass it: validated by its schema, then handled. */
async function call<M extends ApiMethod>(method: M, req: unknown): Promise<Awaited<ReturnType<Api[M]>>> {
  const valid = validators[method](req) as ApiRequest<M>;
  return (api[method] as (r: ApiRequest<M>) => ReturnType<Api[M]>)(valid) as Promise<Awaited<ReturnType<Api[M]>>>;
}

async function finished(jobId: number): Promise<JobView> {
  for (let i = 0; i < 6000; i++) {
    const j = await api.job({ jobId });
    if (!['queued', 'running'].includes(j.status)) return j;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`job ${jobId} did not finish`);
}

async function refused(method: ApiMethod, req: unknown, field: string, message: RegExp): Promise<void> {
  await assert.rejects(call(method, req), (e: unknown) => {
    assert.ok(e instanceof ApiError, `${method}: ${String(e)}`);
    assert.equal(e.field, field, `${method}: ${e.message}`);
    assert.match(e.message, message);
    return true;
  });
}

before(() => {
  store = openStore(join(dir, 'training.db'));
  const app = createApp({ casesDir: casesDir(), store });
  api = app.api;
  unsubscribe = app.events.subscribe((e) => events.push(e));
  listenTo = (l) => app.events.subscribe(l);
});
after(() => {
  unsubscribe();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a dataset job: progress per scenario, the load range found, the defaults used, listed with its figures', async () => {
  assert.deepEqual(await call('datasets', { name: 'case30' }), [], 'none yet');
  const defaults = await call('datasetDefaults', { name: 'case30' });
  assert.equal(defaults.scenarios, 20);
  assert.ok(defaults.loadRange.min < 1 && defaults.loadRange.max > 1, JSON.stringify(defaults));
  assert.ok(defaults.levelMin >= defaults.loadRange.min && defaults.levelMax <= defaults.loadRange.max);

  events.length = 0;
  const { jobId } = await call('startDataset', { name: 'case30', scenarios: 5, seed: 3 });
  const job = await finished(jobId);
  assert.equal(job.status, 'done', job.error);
  assert.equal(job.kind, 'dataset');
  const progress = events.flatMap((e) => (e.type === 'job' && e.job.id === jobId && e.job.status === 'running' && e.job.total > 0 ? [e.job.done] : []));
  assert.ok(progress.length >= 1 && progress.every((d) => d >= 1 && d <= 5), `progress ${progress}`);
  assert.ok(events.every((e) => e.type !== 'job' || !('dataset' in e.job)), 'job events carry no results');
  const built = job.dataset!;
  dataset = built.datasetId;
  assert.equal(built.scenarios, 5);
  assert.equal(built.samples, 5 * CASE30_BRANCHES);
  assert.deepEqual(built.levels, { min: defaults.levelMin, max: defaults.levelMax, from: 'range' });
  assert.deepEqual(built.loadRange, defaults.loadRange);

  const [d] = await call('datasets', { name: 'case30' });
  assert.equal(d.id, dataset);
  assert.equal(d.status, 'done');
  assert.equal(d.scenarios.train + d.scenarios.val + d.scenarios.test, 5);
  assert.ok(d.scenarios.val >= 1 && d.scenarios.test >= 1);
  assert.equal(d.outages, CASE30_BRANCHES);
  assert.equal(d.seed, 3);
  assert.ok(d.insecureShare !== null && d.insecureShare >= 0 && d.insecureShare <= 1);
  assert.ok(d.bytes > 1000);
  assert.deepEqual(d.levels, { min: defaults.levelMin, max: defaults.levelMax });
  // Another case lists none of it.
  assert.deepEqual(await call('datasets', { name: 'case14' }), []);
});

test('a cancelled dataset job keeps whole scenarios; it is listed unfinished and training refuses it', async () => {
  let cancelled = false;
  const { jobId } = await call('startDataset', { name: 'case30', scenarios: 40, seed: 4, levelMin: 0.9, levelMax: 1.1 });
  const off = listenTo((e) => {
    if (!cancelled && e.type === 'job' && e.job.id === jobId && e.job.done >= 2) { cancelled = true; void api.cancelJob({ jobId }); }
  });
  const job = await finished(jobId);
  off();
  assert.equal(job.status, 'cancelled');
  const id = job.dataset!.datasetId;
  assert.ok(job.dataset!.cancelled);
  assert.deepEqual(job.dataset!.levels, { min: 0.9, max: 1.1, from: 'given' });
  const rows = store.datasets.countSamples(id);
  const scenarios = new Set(store.datasets.getSamples(id).map((s) => s.scenario)).size;
  assert.ok(scenarios >= 2 && scenarios < 40, `${scenarios} scenarios kept`);
  assert.equal(rows, scenarios * (CASE30_BRANCHES + 1), 'each kept scenario whole');
  const listed = (await call('datasets', { name: 'case30' })).find((d) => d.id === id)!;
  assert.equal(listed.status, 'building');
  assert.equal(listed.insecureShare, null);
  await refused('startTraining', { name: 'case30', dataset: id, epochs: 1 }, 'dataset', /was not finished/);
});

test('a training job pushes every epoch, keeps them in its view and saves the model with its metrics', async () => {
  events.length = 0;
  const { jobId } = await call('startTraining', { name: 'case30', dataset, method: 'set', regrow: 'random', sparsity: 0.8, epochs: 3, hidden: 8 });
  const job = await finished(jobId);
  assert.equal(job.status, 'done', job.error);
  assert.equal(job.kind, 'train');
  const pushed = events.flatMap((e) => (e.type === 'epoch' && e.jobId === jobId ? [e] : []));
  assert.deepEqual(pushed.map((e) => e.epoch.epoch), [1, 2, 3]);
  const t = job.training!;
  assert.ok(pushed.every((e) => e.runId === t.runId));
  assert.deepEqual(t.epochs, pushed.map((e) => e.epoch), 'the view keeps what was pushed');
  assert.equal(t.epochsPlanned, 3);
  for (const e of t.epochs) {
    assert.ok(e.loss !== null && e.loss > 0);
    assert.ok(e.balancedAccuracy !== null && e.balancedAccuracy >= 0 && e.balancedAccuracy <= 1);
    assert.ok(e.density !== null && e.density > 0 && e.density < 1, `density ${e.density}`);
    assert.ok(e.pruned >= 0 && e.regrown >= 0);
    // The loss that selects the best epoch caps each verdict term: never above the plain validation loss.
    assert.ok(e.valLoss !== null && e.valCappedLoss !== null && e.valCappedLoss > 0 && e.valCappedLoss <= e.valLoss, `capped ${e.valCappedLoss} against ${e.valLoss}`);
  }
  assert.ok(t.epochs.some((e) => e.regrown > 0), 'SET rewires');
  assert.ok(t.modelId !== null);
  models.push(t.modelId!);
  assert.ok(job.total > 0 && job.done === job.total, `${job.done}/${job.total} steps`);

  const detail = await call('modelDetail', { name: 'case30', model: t.modelId });
  assert.equal(detail.method, 'set');
  assert.equal(detail.regrow, 'random');
  assert.equal(detail.sparsity, 0.8);
  assert.equal(detail.datasetId, dataset);
  assert.deepEqual(detail.curve, t.epochs, 'the stored curve is the pushed one');
  assert.ok(detail.val && detail.test && detail.val.samples > 0 && detail.test.samples > 0);
  assert.ok(detail.dcTest && detail.dcTest.samples === detail.test.samples);
  assert.ok(detail.density !== null && detail.density < 0.5, `kept ${detail.density}`);
  assert.ok(detail.seconds !== null && detail.seconds > 0);
  assert.equal(detail.epochs, 3);
});

test('cancel stops after the current step with a checkpoint; resume continues it to the end', async () => {
  const { jobId } = await call('startTraining', { name: 'case30', dataset, method: 'adaptive', regrow: 'ch3l3', sparsity: 0.9, epochs: 4, hidden: 8, seed: 2 });
  let cancelled = false;
  const off = listenTo((e) => {
    if (!cancelled && e.type === 'epoch' && e.jobId === jobId) { cancelled = true; void api.cancelJob({ jobId }); }
  });
  const job = await finished(jobId);
  off();
  assert.equal(job.status, 'cancelled');
  const runId = job.training!.runId!;
  assert.equal(job.training!.modelId, null);
  const kept = job.training!.epochs.length;
  assert.ok(kept >= 1 && kept < 4, `${kept} epochs before the cancel`);
  const cp = store.training.getCheckpoint(runId);
  assert.ok(cp, 'a checkpoint is kept');
  const [run] = (await call('trainingRuns', { name: 'case30' })).filter((r) => r.runId === runId);
  assert.equal(run.status, 'cancelled');
  assert.equal(run.method, 'adaptive');
  assert.equal(run.checkpointEpoch, cp.epoch);
  assert.equal(run.jobId, null);

  await refused('startTraining', { name: 'case30', resume: runId, method: 'set' }, 'method', /resume continues training run \d+ with its own settings/);
  // A resume cancelled while still queued never ran: the run resumes later all the same.
  const queued = (await call('startTraining', { name: 'case30', resume: runId })).jobId;
  await refused('startTraining', { name: 'case30', resume: runId }, 'resume', new RegExp(`training run ${runId} is being trained now \\(job ${queued}\\)`));
  assert.deepEqual(await api.cancelJob({ jobId: queued }), { cancelled: true });
  assert.equal((await api.job({ jobId: queued })).status, 'cancelled');
  const resumed = await finished((await call('startTraining', { name: 'case30', resume: runId })).jobId);
  assert.equal(resumed.status, 'done', resumed.error);
  const t = resumed.training!;
  assert.equal(t.runId, runId);
  assert.deepEqual(t.epochs.map((e) => e.epoch), [1, 2, 3, 4], 'the epochs before the checkpoint, then the rest');
  assert.deepEqual(t.epochs.slice(0, cp.epoch), job.training!.epochs.slice(0, cp.epoch));
  models.push(t.modelId!);
  assert.equal((await call('trainingRuns', { name: 'case30' })).find((r) => r.runId === runId)!.status, 'done');
  await refused('startTraining', { name: 'case30', resume: runId }, 'resume', /is done; nothing to resume/);
});

test('the case\'s models with their metrics, two compared in the order asked', async () => {
  const listed = await call('caseModels', { name: 'case30' });
  assert.deepEqual(listed.map((m) => m.id), [...models].reverse(), 'newest first');
  assert.ok(listed.every((m) => m.curve.length === 0 && m.test !== null));
  const compared = await call('compareModels', { name: 'case30', models: [models[1], models[0]] });
  assert.deepEqual(compared.map((m) => [m.id, m.method, m.curve.length]), [[models[1], 'adaptive', 4], [models[0], 'set', 3]]);
  assert.deepEqual(await call('caseModels', { name: 'case14' }), [], 'no model of another grid');
});

test('bad requests are refused with the field they name', async () => {
  await refused('startTraining', { name: 'case30', dataset: 9999, epochs: 1 }, 'dataset', /no dataset 9999/);
  await refused('startTraining', { name: 'case30', epochs: 1 }, 'dataset', /which dataset/);
  await refused('startTraining', { name: 'case14', dataset, epochs: 1 }, 'dataset', /belongs to case30, not to case14/);
  for (const sparsity of [0, 1, 1.5, -0.2]) await refused('startTraining', { name: 'case30', dataset, sparsity }, 'sparsity', /between 0 and 1/);
  for (const epochs of [0, -1, 2.5]) await refused('startTraining', { name: 'case30', dataset, epochs }, 'epochs', /whole number from 1/);
  for (const patience of [-1, 2.5, 1001]) await refused('startTraining', { name: 'case30', dataset, patience }, 'patience', /whole number from 0 to 1000/);
  for (const posWeight of ['sure', 0, -3, 1e5]) await refused('startTraining', { name: 'case30', dataset, posWeight }, 'posWeight', /'auto' or a number from 0.001 to 10000/);
  await refused('startTraining', { name: 'case30', dataset, method: 'magic' }, 'method', /one of dense, static, set, rigl, adaptive/);
  await refused('startTraining', { name: 'case30', dataset, regrow: 'lucky' }, 'regrow', /one of random, gradient, ch3l3/);
  await refused('startTraining', { name: 'case30', resume: 9999 }, 'resume', /no training run 9999/);
  await refused('startTraining', { name: 'nocase', dataset }, 'name', /nocase/);
  await refused('startDataset', { name: 'case30', scenarios: 0 }, 'scenarios', /whole number from 1/);
  await refused('startDataset', { name: 'case30', levelMin: 1.2, levelMax: 0.9 }, 'levelMax', /at least levelMin/);
  await refused('startDataset', { name: 'case30', levelMin: 0 }, 'levelMin', /load level above 0/);
  await refused('startDataset', { name: 'case30', seed: -1 }, 'seed', /whole number of at least 0/);
  await refused('modelDetail', { name: 'case30', model: 9999 }, 'model', /no model 9999/);
  await refused('modelDetail', { name: 'case14', model: models[0] }, 'model', /is a model of case30, not of case14/);
  await refused('compareModels', { name: 'case14', models: [models[0]] }, 'models', /is a model of case30, not of case14/);
  await refused('compareModels', { name: 'case30', models: [models[0], models[0]] }, 'models', /twice/);
  await refused('compareModels', { name: 'case30', models: [] }, 'models', /list of 1 to 20 model ids/);
  await refused('compareModels', { name: 'case30', models: [models[0], 'x'] }, 'models', /whole number/);
});

test('the class weight reaches the trainer: given, it is the one the model records', async () => {
  const { jobId } = await call('startTraining', { name: 'case30', dataset, method: 'set', sparsity: 0.8, epochs: 1, hidden: 8, posWeight: 2.5 });
  const job = await finished(jobId);
  assert.equal(job.status, 'done', job.error);
  const cfg = store.models.get(job.training!.modelId!)!.config as { classBalance: { posWeight: number; chosenBy: string } };
  assert.deepEqual([cfg.classBalance.posWeight, cfg.classBalance.chosenBy], [2.5, 'given']);
});
