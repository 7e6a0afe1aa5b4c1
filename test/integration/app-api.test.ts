// The app's use-cases behind the Api contract, without a browser: outages
// with physics and surrogate side by side, jobs, layouts, bad requests.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../main/store';
import { createHandlers } from '../../main/services/app';
import { casesDir } from '../../main/paths';
import { buildDataset } from '../../main/services/dataset';
import { trainSurrogate } from '../../main/services/train';
import { validators, ApiError } from '../../main/api';
import { caseText, loadReference } from '../helpers/shared';

test('an outage shows the physics verdict, and the surrogate once a model of that grid exists', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridrewire-app-'));
  const store = openStore(join(dir, 'app.db'));
  try {
    const api = createHandlers({ casesDir: casesDir(), store });
    const before = await api.outage({ name: 'case30', branch: 10 });
    const ref = loadReference('case30').contingencies.find((c) => c.branch === 10)!;
    assert.equal(before.record.verdict, ref.verdict);
    assert.ok(Math.abs(before.record.maxLoading - ref.maxLoading) < 1e-4);
    assert.equal(before.surrogate, null);
    assert.equal(before.vm.length, 30);
    assert.equal(before.loading[9], null, 'the outaged branch carries nothing');

    const ds = await buildDataset({ store, caseText: caseText('case30'), fileName: 'case30.m', random: 4, seed: 1, workers: 0, randomLoad: { levelMin: 0.9, levelMax: 1.4 } });
    const trained = await trainSurrogate({ store, datasetId: ds.datasetId, epochs: 1, workers: 1, hidden: 8, layers: 2, batchSize: 16, seed: 1 });
    assert.ok(trained.modelId !== null);
    const after = await api.outage({ name: 'case30', branch: 10 });
    assert.ok(after.surrogate, 'the new model is found');
    assert.equal(after.surrogate!.modelId, trained.modelId);
    assert.ok(after.surrogate!.pInsecure >= 0 && after.surrogate!.pInsecure <= 1);
    // Another grid has no model: no surrogate verdict, no error.
    assert.equal((await api.outage({ name: 'case14', branch: 3 })).surrogate, null);
    // An islanding outage is decided by topology on both sides.
    const island = await api.outage({ name: 'case30', branch: 16 });
    assert.equal(island.record.verdict, 'islanded');
    assert.equal(island.surrogate!.verdict, 'islanded');
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('requests are validated before any work', async () => {
  assert.throws(() => validators.outage({ name: 'case30', branch: 0 }), (e: Error) => e instanceof ApiError && /branch/.test(e.message));
  assert.throws(() => validators.startN1({ name: 'case30', mode: 'xx' }), /'ac', 'dc' or 'screen'/);
  assert.throws(() => validators.saveLayout({ name: 'case30', positions: [{ bus: 1, x: 'a', y: 2 }] }), /positions\[0\]/);
  const api = createHandlers({ casesDir: casesDir() });
  await assert.rejects(api.outage({ name: 'case30', branch: 99 }), /branch 99 does not exist: case30 has 41 branches/);
  await assert.rejects(api.caseGraph({ name: 'case0' }), /no bundled case named 'case0'/);
  await assert.rejects(api.job({ jobId: 5 }), /no job 5/);
});

const open = (s: string) => s === 'running' || s === 'queued';

test('an N-1 job runs in the background, reports progress and can be cancelled', async () => {
  const api = createHandlers({ casesDir: casesDir() });
  const { jobId } = await api.startN1({ name: 'case118' });
  let j = await api.job({ jobId });
  for (let i = 0; i < 200 && open(j.status); i++) { await new Promise((r) => setTimeout(r, 50)); j = await api.job({ jobId }); }
  assert.equal(j.status, 'done');
  assert.equal(j.label, 'case118 AC');
  assert.equal(j.result!.records.length, 186);
  assert.equal(j.result!.counts.islanded, 9);
  const big = await api.startN1({ name: 'case2383wp' });
  let k = await api.job({ jobId: big.jobId });
  for (let i = 0; i < 200 && k.done === 0; i++) { await new Promise((r) => setTimeout(r, 50)); k = await api.job({ jobId: big.jobId }); }
  assert.equal(k.status, 'running');
  assert.ok(k.done > 0, 'progress is reported while it runs');
  assert.deepEqual(await api.cancelJob({ jobId: big.jobId }), { cancelled: true });
  for (let i = 0; i < 200 && open(k.status); i++) { await new Promise((r) => setTimeout(r, 50)); k = await api.job({ jobId: big.jobId }); }
  assert.equal(k.status, 'cancelled');
  assert.ok(k.result!.records.length < 2896);
  assert.ok(k.result!.records.length >= k.done, 'what finished before the cancel is kept');
});
