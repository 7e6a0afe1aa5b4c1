// The other repositories on a real file: cases (real MATPOWER files through
// the project's parser), change sets, layouts, datasets, models, training,
// results and reports.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseChangeTable, parseMatpower } from '../../main/core/grid/matpower';
import { openStore, StoreError } from '../../main/store';
import type { Store } from '../../main/store';
import { caseText, makeCase } from '../fixtures/store/fixtures';

const CASES = '/work/shared/cases';

function setup(t: { after: (fn: () => void) => void }): { store: Store; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gr-store-repos-'));
  const path = join(dir, 'repos.db');
  const store = openStore(path);
  t.after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, path };
}

const code = (e: unknown) => (e instanceof StoreError ? e.code : String(e));

test('cases: real files round-trip text and parsed Case exactly; same content imports once', (t) => {
  const { store, path } = setup(t);
  for (const file of ['case1354pegase.m', 'case_ACTIVSg200.m']) {
    const text = readFileSync(join(CASES, file), 'utf8');
    const parsed = parseMatpower(text, file);
    const r = store.cases.import({ text, parsed, sourceFile: file });
    assert.equal(r.created, true);
    const again = store.cases.import({ text, parsed, sourceFile: 'copy-' + file, name: 'other name' });
    assert.deepEqual(again, { id: r.id, created: false });
    const s = store.cases.get(r.id)!;
    assert.equal(s.hash, createHash('sha256').update(readFileSync(join(CASES, file))).digest('hex'));
    assert.deepEqual([s.name, s.sourceFile, s.nbus, s.nbranch, s.ngen], [parsed.name, file, parsed.bus.length, parsed.branch.length, parsed.gen.length]);
    assert.equal(store.cases.getText(r.id), text);
    // deepEqual uses Object.is: Inf limits and -0 entries (case1354pegase has both) must survive.
    assert.deepEqual(store.cases.getParsed(r.id), parsed);
  }
  // A one-character change is a different case.
  const c = makeCase('tiny', 3);
  const a = store.cases.import({ text: caseText(c), parsed: c });
  const b = store.cases.import({ text: caseText(c) + ' ', parsed: c });
  assert.notEqual(a.id, b.id);
  assert.deepEqual(store.cases.list().map((x) => x.id), [1, 2, a.id, b.id]);
  store.cases.rename(a.id, 'renamed');
  assert.equal(store.cases.get(a.id)!.name, 'renamed');
  // Survives closing and reopening the file.
  store.close();
  const s2 = openStore(path);
  assert.deepEqual(s2.cases.getParsed(a.id), c);
  s2.close();
});

test('change sets: contingency and scenario tables with a link to their case, deduplicated', (t) => {
  const { store } = setup(t);
  const ctext = readFileSync(join(CASES, 'case_ACTIVSg200.m'), 'utf8');
  const caseId = store.cases.import({ text: ctext, parsed: parseMatpower(ctext) }).id;
  const text = readFileSync(join(CASES, 'contab_ACTIVSg200.m'), 'utf8');
  const parsed = parseChangeTable(text, 'contab_ACTIVSg200.m');
  const r = store.changeSets.import({ text, name: 'contab', kind: 'contingencies', caseId, sourceFile: 'contab_ACTIVSg200.m', parsed });
  assert.equal(r.created, true);
  assert.deepEqual(store.changeSets.import({ text, name: 'again', kind: 'contingencies', caseId }), { id: r.id, created: false });
  // The same text unlinked, or as another kind, is a separate entry.
  const unlinked = store.changeSets.import({ text, name: 'free', kind: 'contingencies' });
  assert.equal(unlinked.created, true);
  assert.deepEqual(store.changeSets.import({ text, name: 'free2', kind: 'contingencies' }), { id: unlinked.id, created: false });
  const scen = store.changeSets.import({ text: '1 0 CT_TAREALOAD 2 CT_LOAD_ALL_P CT_REP 412.8', name: 's', kind: 'scenarios', caseId });
  assert.equal(store.changeSets.getText(r.id), text);
  assert.deepEqual(store.changeSets.getParsed(r.id), parsed);
  assert.equal(store.changeSets.getParsed(scen.id), undefined);
  assert.deepEqual(store.changeSets.list({ kind: 'contingencies' }).map((x) => x.id), [r.id, unlinked.id]);
  assert.deepEqual(store.changeSets.list({ caseId }).map((x) => x.id), [r.id, scen.id]);
  assert.throws(() => store.changeSets.import({ text, name: 'x', kind: 'contingencies', caseId: 999 }), (e) => code(e) === 'NOT_FOUND');
  // A linked table belongs to its case; unlinked ones stay.
  store.cases.delete(caseId);
  assert.deepEqual(store.changeSets.list().map((x) => x.id), [unlinked.id]);
});

test('layouts: upsert moves and adds buses, per case', (t) => {
  const { store } = setup(t);
  const c = makeCase('lay', 5);
  const id = store.cases.import({ text: caseText(c), parsed: c }).id;
  assert.deepEqual(store.layouts.get(id), []);
  store.layouts.upsert(id, [{ bus: 3, x: 1.5, y: -2 }, { bus: 1, x: 0, y: 0 }]);
  store.layouts.upsert(id, [{ bus: 3, x: 10, y: 20 }, { bus: 5, x: 0.25, y: 1e6 }]);
  assert.deepEqual(store.layouts.get(id), [{ bus: 1, x: 0, y: 0 }, { bus: 3, x: 10, y: 20 }, { bus: 5, x: 0.25, y: 1e6 }]);
  assert.throws(() => store.layouts.upsert(id, [{ bus: 2, x: NaN, y: 0 }]), (e) => code(e) === 'INVALID');
  assert.throws(() => store.layouts.upsert(999, [{ bus: 2, x: 0, y: 0 }]), (e) => code(e) === 'NOT_FOUND');
  assert.equal(store.layouts.clear(id), 3);
});

test('datasets: samples in batches, idempotent, exact f32 blobs, paged by split', (t) => {
  const { store } = setup(t);
  const c = makeCase('ds', 6);
  const caseId = store.cases.import({ text: caseText(c), parsed: c }).id;
  const id = store.datasets.create({ caseId, name: 'ds1', config: { scenarios: 10, features: ['vm', 'va'] }, seed: 42, sizes: { train: 6, val: 2, test: 2 } });
  const sample = (scenario: number, branch: number) => ({
    scenario,
    branch,
    split: (scenario < 6 ? 'train' : scenario < 8 ? 'val' : 'test') as 'train' | 'val' | 'test',
    features: Float32Array.from({ length: 12 }, (_, i) => Math.fround(Math.sin(scenario * 100 + branch * 10 + i))),
    labels: new Float32Array([scenario, branch, NaN, -0]),
  });
  const all = [];
  for (let s = 0; s < 10; s++) for (let b = 1; b <= 3; b++) all.push(sample(s, b));
  assert.equal(store.datasets.appendSamples(id, all.slice(0, 20)), 20);
  assert.equal(store.datasets.appendSamples(id, all.slice(15)), 10); // overlap of 5 skipped
  assert.equal(store.datasets.countSamples(id), 30);
  assert.equal(store.datasets.countSamples(id, 'val'), 6);
  const val = store.datasets.getSamples(id, { split: 'val' });
  assert.deepEqual(val.map(({ id: _id, ...s }) => s), all.filter((s) => s.split === 'val'));
  // Keyset paging visits every training sample once.
  const seen: string[] = [];
  for (let after = 0; ; ) {
    const page = store.datasets.getSamples(id, { split: 'train', afterId: after, limit: 7 });
    if (page.length === 0) break;
    seen.push(...page.map((s) => `${s.scenario}/${s.branch}`));
    after = page[page.length - 1].id;
  }
  assert.deepEqual(seen, all.filter((s) => s.split === 'train').map((s) => `${s.scenario}/${s.branch}`));
  assert.equal(store.datasets.storedKeys(id).length, 30);
  const d = store.datasets.get(id)!;
  assert.deepEqual([d.status, d.samples, d.seed, d.sizes], ['building', 30, 42, { train: 6, val: 2, test: 2 }]);
  store.datasets.markDone(id);
  assert.throws(() => store.datasets.appendSamples(id, [sample(11, 1)]), (e) => code(e) === 'INVALID');
  assert.throws(() => store.datasets.appendSamples(id, [{ ...sample(12, 1), features: new Float64Array(2) as unknown as Float32Array }]), (e) => code(e) === 'INVALID');
});

test('models: tensors of several dtypes round-trip; replace and metrics update', (t) => {
  const { store } = setup(t);
  const weight = Float32Array.from({ length: 1000 }, (_, i) => Math.fround(Math.cos(i) * 1e-3));
  const mask = Uint8Array.from({ length: 1000 }, (_, i) => (i % 3 === 0 ? 1 : 0));
  const index = Int32Array.from({ length: 334 }, (_, i) => i * 3);
  const id = store.models.save({ name: 'gine-set', config: { layers: 2, rewiring: 'ch3l3', zeta: 0.3 }, tensors: { 'l0.weight': weight, 'l0.mask': mask, 'l0.index': index }, metrics: { f1: 0.91, auc: NaN } });
  const tensors = store.models.getTensors(id);
  assert.deepEqual([...tensors.keys()], ['l0.index', 'l0.mask', 'l0.weight']);
  assert.deepEqual(tensors.get('l0.weight'), weight);
  assert.deepEqual(tensors.get('l0.mask'), mask);
  assert.deepEqual(tensors.get('l0.index'), index);
  const m = store.models.get(id)!;
  assert.deepEqual(m.metrics, { f1: 0.91, auc: NaN });
  assert.deepEqual(m.tensors, [
    { name: 'l0.index', bytes: 8 + 334 * 4 },
    { name: 'l0.mask', bytes: 8 + 1000 },
    { name: 'l0.weight', bytes: 8 + 4000 },
  ]);
  store.models.replaceTensors(id, new Map([['l0.weight', weight.subarray(0, 10)]]));
  assert.deepEqual([...store.models.getTensors(id).keys()], ['l0.weight']);
  store.models.setMetrics(id, { f1: 0.95 });
  assert.deepEqual(store.models.get(id)!.metrics, { f1: 0.95 });
  assert.throws(() => store.models.getTensors(999), (e) => code(e) === 'NOT_FOUND');
});

test('training: epochs and checkpoint commit together; re-committed epochs replace', (t) => {
  const { store } = setup(t);
  const run = store.training.start({ config: { epochs: 5 }, epochs: 5 });
  const metrics = (epoch: number) => ({ epoch, loss: 1 / (epoch + 1), valMetrics: { f1: epoch / 10 }, density: 0.1, zeta: 0.3 * 0.5 ** epoch, pruned: 10 - epoch, regrown: 10 - epoch, seconds: 0.5 });
  const ckpt = (epoch: number) => ({ epoch, state: { step: epoch * 100, rng: [1, 2, 3] }, tensors: { w: new Float32Array(4).fill(epoch), m: new Uint8Array(4).fill(1) } });
  assert.equal(store.training.getCheckpoint(run), null);
  store.training.commitEpoch(run, metrics(0), ckpt(0));
  store.training.commitEpoch(run, metrics(1));
  store.training.commitEpoch(run, metrics(2), ckpt(2));
  assert.deepEqual(store.training.getEpochs(run), [metrics(0), metrics(1), metrics(2)]);
  const c = store.training.getCheckpoint(run)!;
  assert.equal(c.epoch, 2);
  assert.deepEqual(c.state, { step: 200, rng: [1, 2, 3] });
  assert.deepEqual(c.tensors, new Map<string, Float32Array | Uint8Array>([['m', new Uint8Array(4).fill(1)], ['w', new Float32Array(4).fill(2)]]));
  // A checkpoint must belong to the epoch it is committed with.
  assert.throws(() => store.training.commitEpoch(run, metrics(3), ckpt(2)), (e) => code(e) === 'INVALID');
  assert.equal(store.training.getEpochs(run).length, 3);
  // Resume from the epoch-0 checkpoint: drop later epochs and redo them with new values.
  store.training.saveCheckpoint(run, ckpt(0));
  assert.equal(store.training.truncateEpochsAfter(run, 0), 2);
  store.training.commitEpoch(run, { ...metrics(1), loss: 0.25 });
  assert.deepEqual(store.training.getEpochs(run).map((e) => e.loss), [1, 0.25]);
  store.training.commitEpoch(run, { ...metrics(1), loss: 0.125 });
  assert.deepEqual(store.training.getEpochs(run).map((e) => e.loss), [1, 0.125]);
  store.training.finish(run, 'done', 3);
  const s = store.training.get(run)!;
  assert.deepEqual([s.status, s.epochsDone, s.checkpointEpoch, s.seconds], ['done', 2, 0, 3]);
  assert.throws(() => store.training.commitEpoch(run, metrics(2)), (e) => code(e) === 'INVALID');
});

test('results and reports', (t) => {
  const { store, path } = setup(t);
  const model = store.models.save({ name: 'm', config: {}, tensors: {} });
  const e1 = store.results.put(model, 'explanation', 'branch:12', { edges: [[1, 2, 0.7]], verdict: 'overload' });
  assert.equal(store.results.put(model, 'explanation', 'branch:12', { edges: [], verdict: 'secure' }), e1); // replaced
  store.results.put(model, 'robustness', 'noise-0.05', { accuracyDrop: 0.02 });
  store.results.put(model, 'compression', 'prune-90', { density: 0.1, f1: 0.9 });
  assert.deepEqual(store.results.get(model, 'explanation', 'branch:12')!.doc, { edges: [], verdict: 'secure' });
  assert.deepEqual(store.results.list(model).map((r) => r.kind), ['explanation', 'robustness', 'compression']);
  assert.deepEqual(store.results.list(model, 'robustness').map((r) => r.key), ['noise-0.05']);
  assert.throws(() => store.results.put(999, 'robustness', 'k', {}), (e) => code(e) === 'NOT_FOUND');
  // Deleting the model removes its results.
  store.models.delete(model);
  assert.deepEqual(store.results.list(model), []);

  const html = new TextEncoder().encode('<html><body>N-1 report</body></html>');
  const r1 = store.reports.add({ kind: 'html', fileName: 'n1.html', bytes: html, source: { runId: 1 } });
  const pdfPath = join(path, '..', 'out.pdf');
  writeFileSync(pdfPath, Buffer.alloc(1234));
  const r2 = store.reports.add({ kind: 'pdf', fileName: 'out.pdf', path: pdfPath });
  assert.deepEqual(store.reports.getBytes(r1), html);
  assert.equal(store.reports.getBytes(r2), null);
  assert.deepEqual(store.reports.list().map((r) => [r.kind, r.fileName, r.size, r.hasBytes, r.path]), [
    ['html', 'n1.html', html.length, true, null],
    ['pdf', 'out.pdf', 1234, false, pdfPath],
  ]);
  assert.deepEqual(store.reports.get(r1)!.source, { runId: 1 });
  assert.throws(() => store.reports.add({ kind: 'csv', fileName: 'x.csv' }), (e) => code(e) === 'INVALID');
  // A path with no file behind it is refused with the path named, and nothing is listed for it.
  const gone = join(path, '..', 'never-written.csv');
  assert.throws(() => store.reports.add({ kind: 'csv', fileName: 'never-written.csv', path: gone }), (e) => code(e) === 'INVALID' && (e as Error).message.includes(gone));
  assert.equal(store.reports.list().length, 2);
});

test('store.transaction groups writes atomically; snapshot reads are consistent', (t) => {
  const { store } = setup(t);
  const c = makeCase('tx', 4);
  assert.throws(() =>
    store.transaction(() => {
      const id = store.cases.import({ text: caseText(c), parsed: c }).id;
      store.layouts.upsert(id, [{ bus: 1, x: 1, y: 1 }]);
      throw new Error('abort');
    }),
  );
  assert.deepEqual(store.cases.list(), []);
  const n = store.snapshot(() => store.cases.list().length + store.n1.listRuns().length);
  assert.equal(n, 0);
});
