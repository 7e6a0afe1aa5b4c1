// gridrewire robustness, graphon and compress as a user runs them (the
// bundled CLI, a real SQLite file, small case30 models): the --json shapes
// the issue gives, the studies kept with the model, a compressed model that
// predict and explain accept, the masks a run started from; and every bad
// input answered by one line and exit status 2, with nothing stored.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli';
import { CASES, caseText } from '../helpers/shared';
import { openStore } from '../../main/store';
import { buildDataset } from '../../main/services/dataset';
import { trainSurrogate } from '../../main/services/train';

const dir = mkdtempSync(join(tmpdir(), 'gridrewire-studies-cli-'));
const db = join(dir, 'studies.db');
test.after(() => rmSync(dir, { recursive: true, force: true }));

let ids: Promise<{ set: number; stat: number; dense: number; set3: number }> | null = null;
function trained() {
  ids ??= (async () => {
    const store = openStore(db);
    try {
      const ds = await buildDataset({ store, caseText: caseText('case30'), fileName: 'case30.m', random: 5, seed: 1, workers: 0, randomLoad: { levelMin: 0.9, levelMax: 1.4 } });
      const o = { store, datasetId: ds.datasetId, epochs: 1, workers: 1, hidden: 8, layers: 1, batchSize: 16, seed: 1 };
      const set = (await trainSurrogate({ ...o, method: 'set', regrow: 'random' })).modelId!;
      const stat = (await trainSurrogate({ ...o, method: 'static' })).modelId!;
      const dense = (await trainSurrogate({ ...o, method: 'dense' })).modelId!;
      const set3 = (await trainSurrogate({ ...o, epochs: 3, method: 'set', regrow: 'random' })).modelId!;
      return { set, stat, dense, set3 };
    } finally {
      store.close();
    }
  })();
  return ids;
}

function counts(model: number) {
  const store = openStore(db, { readonly: true });
  try {
    return { robustness: store.results.list(model, 'robustness').length, graphon: store.results.list(model, 'graphon').length, compression: store.results.list(model, 'compression').length, models: store.models.list().length };
  } finally {
    store.close();
  }
}

function refused(args: string[], pattern: RegExp) {
  const r = cli(args);
  assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trim().split('\n');
  assert.match(lines[0], pattern);
  assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
}

test('robustness --json: a curve per perturbation over 20 fractions with the figures and their spread; kept with the model', async () => {
  const { set } = await trained();
  const before = counts(set);
  const r = cli(['robustness', '--db', db, '--model', String(set), '--perturbations', 'random,weight,noise', '--draws', '2', '--outages', '0', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  assert.deepEqual(o.curves.map((c: { perturbation: string }) => c.perturbation), ['random', 'weight', 'noise']);
  for (const c of o.curves) {
    assert.equal(c.points.length, 20);
    assert.deepEqual(c.points.map((p: { fraction: number }) => p.fraction), Array.from({ length: 20 }, (_, i) => i / 20).map((x) => Math.round(x * 100) / 100));
    for (const p of c.points) for (const k of ['fraction', 'accuracy', 'balancedAccuracy', 'recall', 'loadingMae', 'spread']) assert.equal(typeof p[k], 'number', `${c.perturbation} ${k}`);
    assert.equal(c.points[0].spread, 0);
  }
  const random = o.curves[0].points, weight = o.curves[1].points;
  assert.equal(random[5].draws, 2, 'random points average the draws');
  assert.equal(weight[5].draws, 1, 'weight order is deterministic');
  assert.equal(random[0].balancedAccuracy, weight[0].balancedAccuracy, 'fraction 0 is the trained model for every curve');
  assert.ok(random.some((p: { spread: number }) => p.spread > 0), 'random draws differ');
  assert.equal(o.curves[2].points[19].scale, 2, 'noise reaches 2 standard deviations');
  assert.equal(o.config.evaluated, o.config.testOutages, '--outages 0: every test outage');
  assert.equal(counts(set).robustness, before.robustness + 1);
  // The same options again replace the study; the text names the curves.
  const t = cli(['robustness', '--db', db, '--model', String(set), '--perturbations', 'reverse', '--draws', '1', '--quiet']);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /robustness of model \d+ .*set\+random/);
  assert.match(t.stdout, /reverse \(x: fraction of connections\)/);
  assert.equal(counts(set).robustness, before.robustness + 2);
});

test('robustness refuses bad input with one line and stores nothing', async () => {
  const { set } = await trained();
  const before = counts(set);
  refused(['robustness', '--db', db, '--model', String(set), '--perturbations', 'random,prune'], /--perturbations: unknown perturbation 'prune' \(one of random, weight, reverse, shuffle, noise\)/);
  refused(['robustness', '--db', db, '--model', String(set), '--perturbations', 'noise,noise'], /names a perturbation twice/);
  refused(['robustness', '--db', db, '--model', String(set), '--draws', '0'], /--draws needs a whole number of at least 1, got 0/);
  refused(['robustness', '--db', db, '--model', String(set), '--workers', '0'], /--workers needs a whole number of at least 1, got 0/);
  refused(['robustness', '--db', db, '--model', String(set), '--outages', '2.5'], /--outages needs a whole number of at least 0/);
  refused(['robustness', '--db', db, '--model', '999'], /gridrewire robustness: model 999 is not in /);
  refused(['robustness', '--db', db], /usage: gridrewire robustness/);
  const missing = join(dir, 'nothing.db');
  refused(['robustness', '--db', missing, '--model', '1'], /nothing\.db does not exist: give the database that holds the model/);
  assert.ok(!existsSync(missing), 'no empty database is created');
  assert.deepEqual(counts(set), before);
});

test('graphon --json: each sparse layer\'s K x K block densities and distance from constant, before and after training; a static run starts on its final masks', async () => {
  const { set, stat, dense } = await trained();
  const r = cli(['graphon', '--db', db, '--model', String(set), '--blocks', '4', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  assert.ok(o.layers.length > 0);
  for (const l of o.layers) {
    assert.equal(l.blocks, 4);
    assert.equal(typeof l.layer, 'string');
    assert.ok(l.density.length <= 4 && l.density.length >= 1 && l.density.every((row: number[]) => row.length <= 4 && row.every((v) => v >= 0 && v <= 1)));
    assert.ok(l.distanceFromConstant >= 0 && Number.isFinite(l.nullDistance));
    assert.ok(Array.isArray(l.inDegree.counts) && Array.isArray(l.outDegree.counts));
  }
  assert.equal(o.initial.layers.length, o.layers.length, 'the run\'s starting masks are rebuilt');
  // One epoch: no rewiring after the last, so the store kept only the start, which is the rebuilt start.
  assert.deepEqual(o.epochs.map((e: { epoch: number }) => e.epoch), [0]);
  const dens = (ls: { density: number[][] }[]) => ls.map((l) => l.density);
  assert.deepEqual(dens(o.epochs[0].layers), dens(o.initial.layers), 'the stored start is the start rebuilt from the seed');
  assert.equal(counts(set).graphon, 1);

  const { set3 } = await trained();
  const t = cli(['graphon', '--db', db, '--model', String(set3), '--blocks', '4', '--json']);
  assert.equal(t.code, 0, t.stderr);
  const e = JSON.parse(t.stdout);
  assert.deepEqual(e.epochs.map((x: { epoch: number }) => x.epoch), [0, 1, 2], 'the start and each epoch that rewired (not the last)');
  for (const x of e.epochs) assert.deepEqual(x.layers.map((l: { layer: string }) => l.layer), e.layers.map((l: { layer: string }) => l.layer));
  assert.notDeepEqual(dens(e.epochs[1].layers), dens(e.epochs[0].layers), 'rewiring moved connections');
  assert.ok(e.epochs[1].layers.every((l: { nullDistance: number; distanceFromConstant: number }) => Number.isFinite(l.nullDistance) && l.distanceFromConstant >= 0));
  const text = cli(['graphon', '--db', db, '--model', String(set3), '--blocks', '4']);
  assert.match(text.stdout, /over the stored epochs/);
  assert.match(text.stdout, /\n\s+epoch 2 /);

  const s = JSON.parse(cli(['graphon', '--db', db, '--model', String(stat), '--json']).stdout);
  assert.deepEqual(s.initial.layers.map((l: { density: number[][] }) => l.density), s.layers.map((l: { density: number[][] }) => l.density), 'a static run never rewires: its start is its end');
  assert.deepEqual(s.epochs.map((x: { epoch: number }) => x.epoch), [0], 'nor does the store keep more than its start');
  const d = cli(['graphon', '--db', db, '--model', String(dense)]);
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stdout, /no sparse layer \(a dense model\)/);
  refused(['graphon', '--db', db, '--model', String(set), '--blocks', '0'], /--blocks needs a whole number of at least 1, got 0/);
  refused(['graphon', '--db', db, '--model', String(set), '--blocks', 'many'], /--blocks needs a number, got 'many'/);
  assert.equal(counts(set).graphon, 1);
});

test('compress --json: the rows with the uncompressed model as none; each compressed row is a stored model that predict and explain read', async () => {
  const { set } = await trained();
  const before = counts(set);
  const r = cli(['compress', '--db', db, '--model', String(set), '--prune', 'global:0.5', '--quantize', 'int8,fp16', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  assert.deepEqual(o.rows.map((x: { name: string }) => x.name), ['none', 'int8', 'fp16', 'prune-global-50', 'prune-global-50+int8', 'prune-global-50+fp16']);
  for (const x of o.rows) for (const k of ['bytes', 'balancedAccuracy', 'recall', 'flipRate', 'loadingMae', 'latencyMs']) assert.equal(typeof x[k], 'number', `${x.name} ${k}`);
  const by = Object.fromEntries(o.rows.map((x: { name: string }) => [x.name, x]));
  assert.equal(by.none.flipRate, 0);
  assert.equal(by.none.modelId, null);
  assert.ok(by.int8.bytes < by.fp16.bytes && by.fp16.bytes < by.none.bytes, 'int8 < fp16 < float32');
  assert.ok(by['prune-global-50+int8'].bytes < by.int8.bytes);
  assert.ok(by['prune-global-50'].connections < by.none.connections);
  assert.equal(counts(set).compression, before.compression + 1);
  assert.equal(counts(set).models, before.models + 5, 'five compressed models stored');
  const id = String(by['prune-global-50+int8'].modelId);
  const p = cli(['predict', '--db', db, '--model', id, join(CASES, 'case30.m'), '--json']);
  assert.equal(p.code, 0, p.stderr);
  assert.equal(JSON.parse(p.stdout).contingencies.length, 41);
  const e = cli(['explain', '--db', db, '--model', id, '--case', join(CASES, 'case30.m'), '--branch', '10', '--json']);
  assert.equal(e.code, 0, e.stderr);
  // The same study again reuses the stored compressed models.
  const again = JSON.parse(cli(['compress', '--db', db, '--model', String(set), '--prune', 'global:0.5', '--quantize', 'int8,fp16', '--json']).stdout);
  assert.deepEqual(again.rows.map((x: { modelId: number | null }) => x.modelId), o.rows.map((x: { modelId: number | null }) => x.modelId));
  assert.equal(counts(set).models, before.models + 5);
  refused(['compress', '--db', db, '--model', id], /model \d+ is itself a compressed model \(of model \d+\); compress the model it came from/);
});

test('compress refuses bad input with one line and stores nothing', async () => {
  const { set } = await trained();
  const before = counts(set);
  refused(['compress', '--db', db, '--model', String(set), '--prune', '1.5'], /--prune: '1\.5': the fraction of connections removed must be a number between 0 and 1/);
  refused(['compress', '--db', db, '--model', String(set), '--prune', 'row:0.5'], /--prune: 'row:0\.5': the scope is layer or global, got 'row'/);
  refused(['compress', '--db', db, '--model', String(set), '--quantize', 'int4'], /--quantize: unknown quantization 'int4' \(one of int8, int8-affine, fp16, or none\)/);
  refused(['compress', '--db', db, '--model', String(set), '--finetune', '-1'], /--finetune needs a whole number of at least 0, got -1/);
  refused(['compress', '--db', db, '--model', '999'], /gridrewire compress: model 999 is not in /);
  assert.deepEqual(counts(set), before);
});

test('compressed models carry their test figures', async () => {
  await trained();
  const store = openStore(db, { readonly: true });
  try {
    const compressed = store.models.list().filter((m) => (m.config as { compression?: unknown }).compression);
    assert.ok(compressed.length >= 5);
    for (const m of compressed) assert.equal(typeof (m.metrics as { test?: { balancedAccuracy?: unknown } }).test?.balancedAccuracy, 'number', m.name);
  } finally {
    store.close();
  }
});
