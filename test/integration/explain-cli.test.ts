// gridrewire explain as a user runs it (the bundled CLI, a real SQLite
// file): the text and the JSON of an explanation, exact occlusion, a dataset
// scenario, the fidelity study's JSON; and every bad input the issue names
// answered by one line and exit status 2 (or a clearly labelled answer),
// never a stack trace, with nothing written to the store.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli';
import { CASES, caseText } from '../helpers/shared';
import { openStore } from '../../main/store';
import { buildDataset } from '../../main/services/dataset';
import { trainSurrogate } from '../../main/services/train';

const dir = mkdtempSync(join(tmpdir(), 'gridrewire-explain-cli-'));
const db = join(dir, 'cli.db');
test.after(() => rmSync(dir, { recursive: true, force: true }));

let ids: Promise<{ model: number; dataset: number }> | null = null;
function trained() {
  ids ??= (async () => {
    const store = openStore(db);
    try {
      const ds = await buildDataset({ store, caseText: caseText('case30'), fileName: 'case30.m', random: 4, seed: 1, workers: 0, randomLoad: { levelMin: 0.9, levelMax: 1.4 } });
      const t = await trainSurrogate({ store, datasetId: ds.datasetId, epochs: 1, workers: 1, hidden: 8, layers: 2, batchSize: 16, seed: 1 });
      return { model: t.modelId!, dataset: ds.datasetId };
    } finally {
      store.close();
    }
  })();
  return ids;
}

function results(model: number): { explanation: number; fidelity: number } {
  const store = openStore(db, { readonly: true });
  try {
    return { explanation: store.results.list(model, 'explanation').length, fidelity: store.results.list(model, 'fidelity').length };
  } finally {
    store.close();
  }
}

const case30 = join(CASES, 'case30.m');

test('explain prints the verdicts, the top connections and the grid beside the physics; --json has the issue\'s shape', async () => {
  const { model } = await trained();
  const before = results(model).explanation;
  const t = cli(['explain', '--db', db, '--model', String(model), '--case', case30, '--branch', '10']);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /case30: outage of branch 10 \(bus 6 - bus 8\), model \d+/);
  assert.match(t.stdout, /surrogate {2}\S+ +pInsecure [\d.]+/);
  assert.match(t.stdout, /physics {4}overload\+voltage +exact AC: max loading/);
  assert.match(t.stdout, /top 10 of \d+ connections/);
  assert.match(t.stdout, /rank {2}layer +from +to +weight +attribution +sign/);
  assert.match(t.stdout, /grid: integrated gradients of the verdict logit, 16 steps \(\d+ gradient evaluations\), from the outage's own graph/);
  assert.match(t.stdout, /physics: largest \|flow change\|/);
  assert.equal(results(model).explanation, before + 1, 'kept in the store');

  const j = cli(['explain', '--db', db, '--model', String(model), '--case', case30, '--branch', '10', '--json', '--top', '3']);
  assert.equal(j.code, 0, j.stderr);
  const o = JSON.parse(j.stdout);
  assert.equal(o.cached, true, 'the second request is read back');
  assert.ok(['secure', 'insecure', 'overload', 'voltage', 'overload+voltage'].includes(o.verdict));
  assert.ok(o.pInsecure >= 0 && o.pInsecure <= 1);
  assert.equal(o.connections.length, 3);
  for (const c of o.connections) for (const k of ['layer', 'from', 'to', 'weight', 'attribution']) assert.ok(k in c, k);
  assert.ok(Math.abs(o.connections[0].attribution) >= Math.abs(o.connections[2].attribution));
  assert.ok(Array.isArray(o.buses) && o.buses.every((b: { bus: number; attribution: number }) => typeof b.bus === 'number' && typeof b.attribution === 'number'));
  assert.ok(Array.isArray(o.branches) && o.branches.every((b: { branch: number; attribution: number }) => typeof b.branch === 'number' && typeof b.attribution === 'number'));
  assert.equal(o.physics.verdict, 'overload+voltage');
  assert.equal(o.physics.flowChange.length, 3);
  for (const f of o.physics.flowChange) assert.ok(typeof f.branch === 'number' && typeof f.deltaMW === 'number');
  assert.ok(Array.isArray(o.physics.overloaded) && o.physics.overloaded.every((b: unknown) => typeof b === 'number') && o.physics.overloaded.length > 0);
  assert.equal(results(model).explanation, before + 1);
});

test('--exact puts exact occlusion beside the attributions; --scenario explains a dataset scenario', async () => {
  const { model, dataset } = await trained();
  const r = cli(['explain', '--db', db, '--model', String(model), '--case', case30, '--branch', '12', '--exact', '--top', '5']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /occlusion/);
  assert.match(r.stdout, /Spearman rank correlation with gradient x weight on the top 50 by occlusion: [-\d.]+ \(verdict\)/);
  const s = cli(['explain', '--db', db, '--model', String(model), '--scenario', '2', '--dataset', String(dataset), '--branch', '12', '--json']);
  assert.equal(s.code, 0, s.stderr);
  const o = JSON.parse(s.stdout);
  assert.match(o.case, /scenario 2/);
  assert.equal(o.branch, 12);
});

test('bad input: one line, exit 2 or a labelled answer, nothing written to the store', async () => {
  const { model } = await trained();
  const m = String(model);
  assert.equal(cli(['explain', '--db', db, '--model', m, '--case', case30, '--branch', '10', '--json']).code, 0); // kept (or read back)
  const before = results(model);
  const bad = join(dir, 'bad.m');
  writeFileSync(bad, 'function mpc = bad\nmpc.baseMVA = 100;\nmpc.bus = [1 3 0 0 0 0 1 1 0 135 1 1.1 0.9;\n');
  const refused: [string[], RegExp][] = [
    [['explain', '--db', db, '--model', m, '--case', join(CASES, 'case14.m'), '--branch', '3'], /case case14 is not the grid model \d+ was trained on: it has 14 in-service buses, the model's grid \(case30\) has 30/],
    [['explain', '--db', db, '--model', '999', '--case', case30, '--branch', '3'], /model 999 is not in/],
    [['explain', '--db', db, '--model', m, '--case', case30, '--branch', '99'], /branch 99 does not exist: case30 has 41 branches/],
    [['explain', '--db', db, '--model', m, '--case', case30, '--branch', '0'], /--branch needs a whole number of at least 1/],
    [['explain', '--db', db, '--model', m, '--scenario', '99', '--branch', '3'], /scenario 99 is not in dataset \d+/],
    [['explain', '--db', db, '--model', m, '--case', case30, '--scenario', '1', '--branch', '3'], /usage: gridrewire explain/],
    [['explain', '--db', db, '--model', m, '--case', bad, '--branch', '1'], /bad\.m:\d+:\d+/],
    [['explain', '--db', db, '--model', m, '--fidelity', '--branch', '3'], /--branch does not go with --fidelity/],
    [['explain', '--db', db, '--model', m, '--fidelity', '--draws', '5'], /--draws needs a whole number of at least 30/],
    [['explain', '--db', db, '--model', '999', '--fidelity'], /model 999 is not in/],
    [['explain', '--db', join(dir, 'nowhere.db'), '--model', m, '--case', case30, '--branch', '3'], /nowhere\.db does not exist/],
  ];
  for (const [args, re] of refused) {
    const r = cli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, re, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').filter((l) => !l.startsWith('usage') && !l.startsWith('       gridrewire')).length, 1, `one line: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  assert.equal(existsSync(join(dir, 'nowhere.db')), false, 'no database is created');
  // An islanded outage: decided by topology, said so, nothing attributed.
  const island = cli(['explain', '--db', db, '--model', m, '--case', case30, '--branch', '16']);
  assert.equal(island.code, 0, island.stderr);
  assert.match(island.stdout, /surrogate {2}islanded +decided by topology/);
  assert.match(island.stdout, /islanded: decided by topology \(the outage cuts off 1 bus with [\d.]+ MW of load/);
  const ij = JSON.parse(cli(['explain', '--db', db, '--model', m, '--case', case30, '--branch', '16', '--json']).stdout);
  assert.equal(ij.verdict, 'islanded');
  assert.deepEqual(ij.connections, []);
  assert.equal(ij.physics.verdict, 'islanded');
  // k larger than the connection count: all of them, labelled.
  const big = cli(['explain', '--db', db, '--model', m, '--case', case30, '--branch', '10', '--top', '5000']);
  assert.equal(big.code, 0, big.stderr);
  assert.match(big.stdout, /top (\d+) of \1 connections .*--top 5000 is more than the model has: all shown/);
  const bj = JSON.parse(cli(['explain', '--db', db, '--model', m, '--case', case30, '--branch', '10', '--top', '5000', '--json']).stdout);
  assert.equal(bj.connections.length, bj.connectionsTotal);
  assert.deepEqual(results(model), { explanation: before.explanation, fidelity: before.fidelity }, 'nothing new in the store');
});

test('explain --fidelity prints the study and, with --json, the issue\'s shape; the study is kept', async () => {
  const { model } = await trained();
  const before = results(model).fidelity;
  const r = cli(['explain', '--fidelity', '--db', db, '--model', String(model), '--outages', '2', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  for (const row of [o.fidelity, o.controls.random, o.controls.inverse, o.controls.weight]) {
    assert.deepEqual(row.map((x: { k: number }) => x.k), [1, 5, 10, 50]);
    for (const x of row) for (const k of ['k', 'ratio', 'ratioLow', 'ratioHigh', 'flipRate', 'keptScore']) assert.ok(k in x, k);
  }
  for (const k of ['overloadedInTop5', 'precisionAtK', 'jaccardAtK', 'k', 'baselineRandom', 'baselineDcLodf']) assert.ok(k in o.physics, k);
  assert.equal(o.physics.k, 5);
  assert.equal(results(model).fidelity, before + 1);
  const t = cli(['explain', '--fidelity', '--db', db, '--model', String(model), '--outages', '2', '--quiet']);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /ranking +k +R\(k\)/);
  assert.match(t.stdout, /goals: R\(10\) >= 3 (met|NOT met|not measured)/);
  assert.equal(results(model).fidelity, before + 1, 'the same configuration replaces its study');
});
