// Studies through the Api (what the window calls): each study starts as a
// queued job of kind 'study' with progress, is kept with the model when it
// ends and read back with `studies`; a cancelled one is not kept; bad
// requests are refused naming the field.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../main/store';
import { createServices, handlersOf } from '../../main/services/app';
import { validators, type Api, type JobView } from '../../main/api';
import { casesDir } from '../../main/paths';
import { buildDataset } from '../../main/services/dataset';
import { trainSurrogate } from '../../main/services/train';
import { caseText } from '../helpers/shared';

const dir = mkdtempSync(join(tmpdir(), 'gridrewire-api-studies-'));
let store: Store;
let api: Api;
let model = 0;

before(async () => {
  store = openStore(join(dir, 'studies.db'));
  const ds = await buildDataset({ store, caseText: caseText('case30'), fileName: 'case30.m', random: 5, seed: 1, workers: 0, randomLoad: { levelMin: 0.9, levelMax: 1.4 } });
  model = (await trainSurrogate({ store, datasetId: ds.datasetId, epochs: 1, workers: 1, hidden: 8, layers: 1, batchSize: 16, seed: 1, method: 'set', regrow: 'random' })).modelId!;
  api = handlersOf(createServices({ casesDir: casesDir(), store, logger: { warn: () => {} } }));
});
after(() => { store.close(); rmSync(dir, { recursive: true, force: true }); });

async function finished(jobId: number): Promise<JobView> {
  for (let i = 0; i < 600; i++) {
    const j = await api.job({ jobId });
    if (j.status !== 'queued' && j.status !== 'running') return j;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${jobId} did not finish`);
}

test('each study runs as a job and is read back from the store', async () => {
  assert.deepEqual(await api.studies({ model }), { model, robustness: null, compression: null, graphon: null });
  const g = await finished((await api.startStudy({ model, study: 'graphon', blocks: 8 })).jobId);
  assert.equal(g.status, 'done', g.error);
  assert.equal(g.kind, 'study');
  const r = await finished((await api.startStudy({ model, study: 'robustness', draws: 1, outages: 0 })).jobId);
  assert.equal(r.status, 'done', r.error);
  assert.ok(r.total > 90 && r.done === r.total, 'progress counts the evaluations');
  const c = await finished((await api.startStudy({ model, study: 'compression' })).jobId);
  assert.equal(c.status, 'done', c.error);
  const s = await api.studies({ model });
  assert.equal(s.graphon!.blocks, 8);
  assert.equal(s.robustness!.curves.length, 5);
  assert.equal(s.robustness!.config.draws, 1);
  assert.equal(s.compression!.rows[0].name, 'none');
  assert.ok(s.compression!.rows.length > 20);
  // The compressed variants are newer, but the outage card and a default explanation keep to the trained model.
  const o = await api.outage({ name: 'case30', branch: 10 });
  assert.equal(o.surrogate?.modelId, model);
  assert.equal((await api.explain({ name: 'case30', branch: 10 })).modelId, model);
});

test('a cancelled study is not kept; bad requests name their field', async () => {
  const before = store.results.list(model, 'robustness').length;
  const { jobId } = await api.startStudy({ model, study: 'robustness', draws: 5, outages: 0 });
  await new Promise((r) => setTimeout(r, 100));
  await api.cancelJob({ jobId });
  const j = await finished(jobId);
  assert.equal(j.status, 'cancelled');
  assert.equal(store.results.list(model, 'robustness').length, before);
  assert.throws(() => validators.startStudy({ model, study: 'pruning' }), /study.*must be 'robustness', 'compression' or 'graphon'/);
  assert.throws(() => validators.startStudy({ model, study: 'robustness', draws: 0 }), /draws.*must be a whole number from 1 to 50/);
  assert.throws(() => validators.startStudy({ model, study: 'robustness', perturbations: [] }), /perturbations.*must be a list of at least 1 perturbation/);
  assert.throws(() => validators.startStudy({ model, study: 'robustness', perturbations: ['random', 'prune'] }), /perturbations.*must be one of random, weight, reverse, shuffle, noise/);
  assert.throws(() => validators.startStudy({ model, study: 'robustness', perturbations: ['noise', 'noise'] }), /perturbations.*names a perturbation twice/);
  assert.throws(() => validators.startStudy({ model, study: 'compression', prune: [{ scope: 'layer', fraction: 1 }] }), /prune.*between 0 and 1/);
  assert.throws(() => validators.startStudy({ model, study: 'compression', prune: [{ scope: 'row', fraction: 0.5 }] }), /prune.*must be 'layer' or 'global'/);
  assert.throws(() => validators.startStudy({ model, study: 'compression', prune: [{ scope: 'layer', fraction: 0.5 }, { scope: 'layer', fraction: 0.5 }] }), /prune.*names a pruning twice/);
  assert.throws(() => validators.startStudy({ model, study: 'compression', quantize: ['int4'] }), /quantize.*must be one of int8, int8-affine, fp16/);
  assert.deepEqual(validators.startStudy({ model, study: 'compression', prune: [{ scope: 'global', fraction: 0.5 }], quantize: [] }), { model, study: 'compression', prune: [{ scope: 'global', fraction: 0.5 }], quantize: [] });
  assert.equal(store.results.list(model, 'robustness').length, before, 'nothing was stored by a refused request');
  assert.throws(() => validators.studies({}), /model/);
  await assert.rejects(api.startStudy({ model: 999, study: 'graphon' }), /there is no model 999/);
  await assert.rejects(api.studies({ model: 999 }), /there is no model 999/);
});
