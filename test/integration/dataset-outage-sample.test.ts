// Datasets that label a random sample of each scenario's branch outages
// (--outages N): N distinct outages per scenario, drawn per scenario and
// reproducible from the seed; every label the one a dataset of every outage
// has for the same scenario and branch; the scenarios themselves unchanged;
// recorded in the configuration; trainable; a bad count refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../main/store';
import { buildDataset, DatasetError, defaultSampling, DEFAULT_RANDOM_SCENARIOS, LARGE_GRID_BRANCHES, loadDataset, sampleOutages } from '../../main/services/dataset';
import { trainSurrogate } from '../../main/services/train';
import { Rng } from '../../main/core/learn/rng';
import { labelLength } from '../../main/core/learn/grid-data';
import { caseText } from '../helpers/shared';

const dir = mkdtempSync(join(tmpdir(), 'gridrewire-outage-sample-'));
let store: Store;
test.before(() => { store = openStore(join(dir, 'test.db')); });
test.after(() => { store.close(); rmSync(dir, { recursive: true, force: true }); });

const req = { caseText: caseText('case30'), fileName: 'case30.m', random: 5, seed: 7, workers: 0, randomLoad: { levelMin: 0.9, levelMax: 1.5 } } as const;

test('sampleOutages: count distinct indices below nl, ascending, the same from the same seed', () => {
  const a = sampleOutages(41, 12, new Rng(3)), b = sampleOutages(41, 12, new Rng(3));
  assert.deepEqual(a, b);
  assert.equal(new Set(a).size, 12);
  assert.ok(a.every((k, i) => k >= 0 && k < 41 && (i === 0 || k > a[i - 1])));
  assert.deepEqual(sampleOutages(5, 5, new Rng(1)), [0, 1, 2, 3, 4]);
  // Every index is drawn about equally often.
  const hits = new Array(10).fill(0);
  const rng = new Rng(9);
  for (let t = 0; t < 2000; t++) for (const k of sampleOutages(10, 3, rng)) hits[k]++;
  assert.ok(hits.every((h) => h > 480 && h < 720), hits.join(' '));
});

test('a sample of each scenario: N outages each, drawn per scenario, labelled as in the full dataset; the scenarios unchanged', async () => {
  const full = loadDataset(store, (await buildDataset({ store, ...req })).datasetId);
  const r = await buildDataset({ store, ...req, outagesPerScenario: 10 });
  const part = loadDataset(store, r.datasetId);
  assert.equal(r.samples, 5 * 10);
  assert.equal(part.config.outagesPerScenario, 10);
  assert.equal(full.config.outagesPerScenario, undefined);
  assert.deepEqual(part.config.scenarios, full.config.scenarios, 'the same operating points and splits');
  const LL = labelLength(full.packed.nb, full.packed.nl);
  const where = new Map<string, number>();
  full.packed.sampleScenario.forEach((s, i) => where.set(`${s}:${full.packed.sampleBranch[i]}`, i));
  const perScenario = new Map<number, number[]>();
  part.packed.sampleScenario.forEach((s, i) => {
    const k = part.packed.sampleBranch[i];
    perScenario.set(s, [...(perScenario.get(s) ?? []), k]);
    const j = where.get(`${s}:${k}`)!;
    assert.deepEqual(part.packed.labels.subarray(i * LL, (i + 1) * LL), full.packed.labels.subarray(j * LL, (j + 1) * LL), `scenario ${s} branch ${k}`);
  });
  assert.equal(perScenario.size, 5);
  const sets = [...perScenario.values()].map((ks) => ks.join(','));
  for (const ks of perScenario.values()) assert.equal(new Set(ks).size, 10);
  assert.ok(new Set(sets).size > 1, 'each scenario draws its own outages');
  // Reproducible from the seed; another seed draws other outages.
  const again = loadDataset(store, (await buildDataset({ store, ...req, outagesPerScenario: 10 })).datasetId);
  assert.deepEqual(again.packed.sampleBranch, part.packed.sampleBranch);
  // A count of every branch or more is the full dataset.
  const all = loadDataset(store, (await buildDataset({ store, ...req, outagesPerScenario: 41 })).datasetId);
  assert.deepEqual(all.packed.sampleBranch, full.packed.sampleBranch);
  assert.equal(all.config.outagesPerScenario, undefined);
  // It trains.
  const t = await trainSurrogate({ store, datasetId: r.datasetId, epochs: 1, workers: 1, hidden: 8, layers: 2, batchSize: 8, seed: 1 });
  assert.ok(t.modelId! > 0);
});

test('a bad count is refused before anything is stored', async () => {
  const before = store.datasets.list().length;
  for (const n of [0, -3, 2.5]) await assert.rejects(buildDataset({ store, ...req, outagesPerScenario: n }), (e: unknown) => e instanceof DatasetError && /--outages needs a whole number of at least 1/.test((e as Error).message));
  assert.equal(store.datasets.list().length, before);
});

test('the defaults by grid size: every outage of 20 scenarios, or above 1000 branches a third of the outages of 60', () => {
  assert.deepEqual(defaultSampling(41), { scenarios: DEFAULT_RANDOM_SCENARIOS, outageShare: null });
  assert.deepEqual(defaultSampling(LARGE_GRID_BRANCHES), { scenarios: 20, outageShare: null });
  assert.deepEqual(defaultSampling(3206), { scenarios: 60, outageShare: 1 / 3 });
  // The same labelling work either way, give or take rounding: every outage of the small-grid
  // scenario count against the large-grid count times its rounded-up share (as buildDataset and
  // the dataset jobs take it), on grids just above the threshold to well beyond it.
  const small = defaultSampling(LARGE_GRID_BRANCHES);
  assert.equal(small.outageShare, null);
  for (const n of [LARGE_GRID_BRANCHES + 1, LARGE_GRID_BRANCHES + 2, 2000, 3000, 3206, 3 * LARGE_GRID_BRANCHES + 1, 10_000, 70_000]) {
    const large = defaultSampling(n);
    assert.ok(large.outageShare !== null && large.outageShare > 0 && large.outageShare < 1, `${n}: a share of the outages`);
    const perScenario = Math.ceil(n * large.outageShare);
    assert.ok(perScenario >= 1 && perScenario < n, `${n}: ${perScenario} outages each`);
    const sampled = large.scenarios * perScenario, every = small.scenarios * n;
    // Rounding up adds under one outage per scenario.
    assert.ok(sampled >= every && sampled - every < large.scenarios, `${n} branches: ${sampled} outages sampled against ${every} of every outage`);
  }
});
