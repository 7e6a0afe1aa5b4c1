// The image half of `gridrewire reproduce` end to end on small slices: the
// loaders (counts, labels, the stratified split, known pixels), a short run
// of a few hundred MNIST digits that learns far above chance, a stopped
// study that resumes without redoing its finished run or the epochs of the
// run it was in, the studies on the trained masks, and each bad input
// answered by one line and exit 2 with nothing stored.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli';
import { imageFolder, loadImages, readClass } from '../../main/services/reproduce/images';
import { imageRunKey, planImageStudy, runImagesStudy } from '../../main/services/reproduce/images-study';
import { imageMaskStudies } from '../../main/services/reproduce/images-studies';
import { checkpointStoreOf, runStoreOf } from '../../main/services/reproduce/reproduce-store';
import { openStore } from '../../main/store';

const dir = mkdtempSync(join(tmpdir(), 'gridrewire-reproduce-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('the loaders: Fashion-MNIST class files hold 7000 images (two empty entries skipped), MNIST 10000 digits split 8000/2000 by digit', () => {
  const shirts = readClass('fashion-mnist', imageFolder('fashion-mnist'), 0);
  assert.equal(shirts.length / 784, 7000);
  // The first image of class 0 (T-shirt/top), as the package stores it: grey levels / 255.
  assert.deepEqual(Array.from(shirts.subarray(7, 13), (v) => Math.round(v * 255)), [9, 8, 0, 0, 34, 29]);
  let sum = 0;
  for (let i = 0; i < 784; i++) sum += shirts[i] * 255;
  assert.ok(Math.abs(sum - 79892) < 0.01, `sum ${sum}`);
  assert.ok(shirts.every((v) => v >= 0 && v <= 1));

  const d = loadImages('mnist', { seed: 1 });
  assert.equal(d.train.n, 8000);
  assert.equal(d.test.n, 2000);
  assert.deepEqual(d.perClass, [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
  const perTest = new Array(10).fill(0);
  for (const y of d.test.y) perTest[y]++;
  assert.deepEqual(perTest, d.perClass.map((n) => Math.round(0.2 * n)), 'stratified: 20% of each digit');
  const three = readClass('mnist', imageFolder('mnist'), 3);
  let s3 = 0;
  for (let i = 0; i < 784; i++) s3 += three[i];
  assert.ok(Math.abs(s3 - 140.635) < 1e-3, `first 3: ${s3}`);
  assert.ok(Math.abs(three[151] - 0.149) < 1e-6);
  // The same seed gives the same split, another seed another.
  assert.deepEqual(loadImages('mnist', { seed: 1, limit: 50 }).test.y, d.test.y.subarray(0, 50));
  assert.notDeepEqual(Array.from(loadImages('mnist', { seed: 2, limit: 50 }).test.y), Array.from(d.test.y.subarray(0, 50)));
});

test('a short run on 600 MNIST digits learns far above chance (10%)', async () => {
  const r = await runImagesStudy('mnist', { methods: ['set'], epochs: 3, limit: 600 }, {});
  assert.equal(r.rows.length, 1);
  assert.equal(r.rows[0].method, 'set');
  assert.equal(r.rows[0].sparsity, 0.99);
  assert.equal(r.rows[0].params, 7840 + 10000 + 10000 + 10000 + 3010);
  assert.ok(r.rows[0].accuracy > 0.6, `accuracy ${r.rows[0].accuracy}`);
  assert.match(r.split, /8000\/2000.*first 600/);
});

test('a stopped study resumes: the finished run is not redone, the run it stopped in continues from its last epoch', async () => {
  const db = join(dir, 'resume.db');
  const opts = { methods: ['set', 'ch3l3'], epochs: 2, limit: 300 };
  const store = openStore(db);
  const ac = new AbortController();
  const seen: string[] = [];
  try {
    const r = await runImagesStudy('mnist', { ...opts, signal: ac.signal }, {
      runStore: runStoreOf(store, 'mnist'),
      checkpoints: checkpointStoreOf(store),
      onProgress: (p) => { seen.push(`${p.method}:${p.epoch}`); if (p.method === 'ch3l3') ac.abort(); },
    });
    assert.deepEqual(r.rows.map((x) => x.method), ['set'], 'only the finished row');
    assert.deepEqual(seen, ['set:1', 'set:2', 'ch3l3:1']);
    const plan = planImageStudy('mnist', opts);
    assert.equal(store.reproductions.runCount('mnist'), 1);
    assert.equal(store.reproductions.getCheckpoint(imageRunKey(plan, 'ch3l3', 0.99, 1))!.epoch, 1);
  } finally {
    store.close();
  }
  const res = cli(['reproduce', 'mnist', '--methods', 'set,ch3l3', '--epochs', '2', '--limit', '300', '--db', db, '--out', join(dir, 'mnist.md')]);
  assert.equal(res.code, 0, res.stderr);
  const epochs = res.stdout.split('\n').filter((l) => /epoch +\d+\/2/.test(l));
  assert.equal(epochs.length, 1, res.stdout);
  assert.match(epochs[0], /ch3l3 .* epoch +2\/2/);
  assert.match(res.stdout, /\n +set +0\.99 +\d+\.\d\d/);
  assert.match(res.stdout, /\n +ch3l3 +0\.99 +\d+\.\d\d/);
  assert.match(readFileSync(join(dir, 'mnist.md'), 'utf8'), /\| ch3l3 \| 0\.99 \|/);
  const again = cli(['reproduce', 'mnist', '--methods', 'set,ch3l3', '--epochs', '2', '--limit', '300', '--db', db, '--json']);
  assert.equal(again.code, 0, again.stderr);
  const doc = JSON.parse(again.stdout);
  assert.equal(doc.dataset, 'mnist');
  assert.deepEqual(doc.rows.map((r: { method: string }) => r.method), ['set', 'ch3l3']);
  for (const k of ['method', 'sparsity', 'accuracy', 'std', 'params', 'epochs', 'seconds']) assert.ok(k in doc.rows[0], k);
  assert.doesNotMatch(again.stderr, /epoch +\d+\//, 'nothing recomputed');

  // The studies on the trained masks read the last epoch's networks.
  const s = openStore(db);
  try {
    const { studies, missing } = imageMaskStudies('mnist', opts, checkpointStoreOf(s), { images: 200, draws: 1, fractions: [0, 0.5], blocks: 8 });
    assert.deepEqual(missing, []);
    assert.deepEqual(studies.map((x) => x.method), ['set', 'ch3l3']);
    assert.deepEqual(studies[0].robustness.map((c) => c.perturbation), ['random', 'weight', 'reverse', 'shuffle', 'noise']);
    assert.equal(studies[0].graphon.trained.length, 3);
    assert.equal(studies[0].graphon.initial[0].p.toFixed(4), '0.0100');
  } finally {
    s.close();
  }
});

test('bad inputs: one line, exit 2, nothing stored', () => {
  const db = join(dir, 'bad.db');
  const cases: [string[], RegExp][] = [
    [['reproduce', 'cifar10'], /unknown dataset 'cifar10'/],
    [['reproduce', 'mnist', '--epochs', '0'], /--epochs must be a whole number of at least 1, got 0/],
    [['reproduce', 'mnist', '--epochs', '2.5'], /--epochs must be a whole number/],
    [['reproduce', 'mnist', '--methods', 'set,foo'], /unknown method 'foo' for mnist: choose from dense, set, rigl, ch3l3/],
    [['reproduce', 'mnist', '--sparsity', '1.5'], /--sparsity takes fractions in \(0, 1\), got '1.5'/],
    [['reproduce', 'mnist', '--seeds', 'x'], /--seeds needs a number/],
    [['reproduce', 'mutag', '--methods', 'set'], /unknown method 'set' for mutag \(have dense, fixed, adaptive\)/],
    [['reproduce', 'mutag', '--studies'], /--studies \(robustness and graphon of the trained masks\) is for the image datasets, not mutag/],
    [['reproduce'], /usage: gridrewire reproduce/],
    [['reproduce', 'mnist', '--db', ''], /--db needs a value, got an empty one/],
    [['reproduce', 'mnist', '--out', join(dir, 'no-such-folder', 'x.md')], /no-such-folder/],
  ];
  for (const [args, re] of cases) {
    const r = cli(args.includes('--db') ? args : [...args, '--db', db]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.equal(existsSync(db), false, `${args.join(' ')} created the database`);
  }
  // Another file given as the database is refused and left as it was.
  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'not a database\n');
  const r = cli(['reproduce', 'mnist', '--limit', '10', '--epochs', '1', '--db', text]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /is not a GridRewire database/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.equal(readFileSync(text, 'utf8'), 'not a database\n');
});
