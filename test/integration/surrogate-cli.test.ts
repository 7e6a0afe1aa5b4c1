// The surrogate commands as a user runs them (the bundled CLI): dataset,
// train (text and JSON), predict (JSON, and a refused mismatched case),
// resume of a finished run refused, bad flags refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli';
import { CASES, loadCase } from '../helpers/shared';
import { writeMatpower } from '../../main/core/grid/matpower';
import { PD, QD } from '../../main/core/grid/idx';
import { openStore } from '../../main/store';

const dir = mkdtempSync(join(tmpdir(), 'gridrewire-surrogate-cli-'));
const db = join(dir, 'cli.db');
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('dataset -> train -> predict on case30 with random scenarios', () => {
  const d = cli(['dataset', join(CASES, 'case30.m'), '--random', '5', '--seed', '2', '--workers', '1', '--db', db]);
  assert.equal(d.code, 0, d.stderr);
  const datasetId = Number(d.stdout.trim());
  assert.ok(Number.isInteger(datasetId) && datasetId > 0, d.stdout);
  assert.match(d.stderr, /5 scenarios \(0 skipped\), 205 branch outages/);
  assert.match(d.stderr, /train\s+3 scenarios/);

  const t = cli(['train', '--db', db, '--dataset', String(datasetId), '--epochs', '2', '--hidden', '8', '--workers', '2']);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /model \d+ \(training run \d+\): adaptive \+ ch3l3 regrowth at 90\.00% sparsity, 2 epochs/);
  assert.match(t.stdout, /test\s+accuracy [\d.]+%\s+balanced [\d.]+%\s+insecure recall [\d.]+%\s+precision/);
  assert.match(t.stdout, /parameters kept \d+ of \d+ dense-equivalent/);
  assert.match(t.stderr, /epoch\s+1\s+train loss/);
  // The loss that selects the best epoch is printed beside the plain one (the * marks its improvements).
  assert.match(t.stderr, /val loss \d+\.\d{4} \(capped \d+\.\d{4}\)/);

  const tj = cli(['train', '--db', db, '--dataset', String(datasetId), '--epochs', '1', '--hidden', '8', '--workers', '1', '--method', 'dense', '--json']);
  assert.equal(tj.code, 0, tj.stderr);
  const o = JSON.parse(tj.stdout);
  assert.equal(o.method, 'dense');
  assert.equal(o.params.fraction, 1);
  for (const k of ['accuracy', 'balancedAccuracy', 'recall', 'precision', 'loadingMae']) assert.equal(typeof o.test[k], 'number', k);

  const p = cli(['predict', '--db', db, '--model', String(o.modelId), join(CASES, 'case30.m'), '--json']);
  assert.equal(p.code, 0, p.stderr);
  const pr = JSON.parse(p.stdout);
  assert.equal(pr.workers, 1); // in the command's own thread unless --workers says otherwise
  const pw = cli(['predict', '--db', db, '--model', String(o.modelId), join(CASES, 'case30.m'), '--json', '--workers', '2']);
  assert.equal(pw.code, 0, pw.stderr);
  const prw = JSON.parse(pw.stdout);
  assert.equal(prw.workers, 2);
  assert.deepEqual(prw.contingencies, pr.contingencies);
  assert.equal(pr.contingencies.length, 41);
  for (const c of pr.contingencies) {
    assert.deepEqual(Object.keys(c).sort(), ['branch', 'estimateSettled', 'from', 'maxLoading', 'pInsecure', 'to', 'verdict']);
    // A small grid's DC-LODF records have no AC estimate to settle.
    assert.equal(c.estimateSettled, null);
    assert.ok(['islanded', 'secure', 'insecure', 'overload', 'voltage', 'overload+voltage'].includes(c.verdict));
  }
  assert.equal(pr.contingencies.filter((c: { verdict: string }) => c.verdict === 'islanded').length, 2);
  // Ranked: islanded first, then by probability.
  const rest = pr.contingencies.filter((c: { verdict: string }) => c.verdict !== 'islanded');
  for (let i = 1; i < rest.length; i++) assert.ok(rest[i - 1].pInsecure >= rest[i].pInsecure);

  const bad = cli(['predict', '--db', db, '--model', String(o.modelId), join(CASES, 'case57.m')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /case case57 is not the grid model \d+ was trained on: it has 57 in-service buses, the model's grid \(case30\) has 30/);

  const again = cli(['train', '--db', db, '--resume', String(o.runId)]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already done/);
});

test('dataset with no options: the default number of random scenarios inside the load range found, which it prints', () => {
  const d = cli(['dataset', join(CASES, 'case30.m'), '--db', join(dir, 'defaults.db'), '--workers', '1']);
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stderr, /load range: the base case converges from level 0\.200 \(the search bound\) to 3\.000 \(the search bound\) of the case's load \(\d+ power flows, headroom dispatch\)/);
  assert.match(d.stderr, /random scenarios: levels 0\.800-1\.200 \(the case's load ±20% inside the range\), region noise 0\.05, bus noise 0\.05; 20 of 20 converged in 20 draws/);
  assert.match(d.stderr, /dataset \d+: 20 scenarios \(0 skipped\), 820 branch outages/);
  // Levels beyond the range: every draw that does not converge is listed, and drawn again.
  const j = cli(['dataset', join(CASES, 'case300.m'), '--random', '3', '--level-min', '1.2', '--level-max', '1.6', '--db', join(dir, 'defaults.db'), '--workers', '1', '--json']);
  assert.equal(j.code, 0, j.stderr);
  const o = JSON.parse(j.stdout);
  assert.equal(o.scenarios, 3);
  assert.ok(o.loadRange.max > 1.2 && o.loadRange.max < 1.4 && o.loadRange.minIsBound, JSON.stringify(o.loadRange));
  assert.equal(o.random.drawn, 3 + o.skipped.length);
  assert.ok(o.skipped.length > 0);
  const t = cli(['dataset', join(CASES, 'case300.m'), '--random', '3', '--level-min', '1.2', '--level-max', '1.6', '--db', join(dir, 'defaults.db'), '--workers', '1']);
  for (const s of o.skipped) assert.match(t.stderr, new RegExp(`skipped scenario ${s.id} \\(random level ${s.level.toFixed(3)}, \\d+ MW\\): base case does not converge`));
  assert.match(t.stderr, new RegExp(`3 of 3 converged in ${o.random.drawn} draws`));
});

test('surrogate commands refuse bad input with one line and status 2', () => {
  // case300 at 1.5 times its load: its own level does not converge (it converges up to about 1.3).
  const c300 = loadCase('case300'), heavy = join(dir, 'case300_heavy.m');
  writeFileSync(heavy, writeMatpower({ ...c300, bus: c300.bus.map((r) => { const o = r.slice(); o[PD] *= 1.5; o[QD] *= 1.5; return o; }) }));
  const cases: [string[], RegExp][] = [
    [['dataset', join(CASES, 'case30.m'), '--dispatch', 'merit', '--db', db], /--dispatch must be one of headroom, proportional, got 'merit'/],
    [['dataset', join(CASES, 'case30.m'), '--level-min', '1.2', '--level-max', '1.1', '--db', db], /level min <= level max, got 1.2 > 1.1/],
    [['dataset', join(CASES, 'case30.m'), '--region-noise', '-1', '--db', db], /--region-noise needs a number of at least 0, got -1/],
    [['dataset', heavy, '--db', db], /the base case does not converge at its own load \(level 1, .*\): no load range to sample/],
    [['train', '--db', db, '--dataset', '1', '--method', 'sparse'], /--method must be one of dense, static, set, rigl, adaptive/],
    [['train', '--db', db, '--dataset', '999'], /dataset 999 is not in/],
    [['dataset', join(CASES, 'case30.m'), '--random', '0', '--db', db], /nothing to build/],
    [['predict', '--db', db, '--model', '999', join(CASES, 'case30.m')], /model 999 is not in/],
    [['train', '--db', db], /usage: gridrewire train/],
  ];
  const datasets = () => { const st = openStore(db); try { return st.datasets.list().length; } finally { st.close(); } };
  const before = datasets();
  for (const [args, re] of cases) {
    const r = cli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
  assert.equal(datasets(), before, 'a refused build stores nothing');
});

test('train: Ctrl-C keeps the checkpoint and --resume finishes the run', async () => {
  const { spawn } = await import('node:child_process');
  const { BIN, ROOT } = await import('../helpers/cli');
  const db2 = join(dir, 'sigint.db');
  const d = cli(['dataset', join(CASES, 'case30.m'), '--random', '4', '--seed', '5', '--workers', '1', '--db', db2]);
  assert.equal(d.code, 0, d.stderr);
  const child = spawn(process.execPath, [BIN, 'train', '--db', db2, '--dataset', d.stdout.trim(), '--epochs', '200', '--patience', '3', '--hidden', '8', '--workers', '1'], { cwd: ROOT });
  let stderr = '';
  const code = await new Promise<number | null>((resolve) => {
    child.stderr.on('data', (b) => {
      stderr += b;
      if (/epoch\s+2\s+train loss/.test(stderr) && !child.killed) child.kill('SIGINT');
    });
    child.on('exit', (c) => resolve(c));
  });
  assert.equal(code, 130, stderr);
  const m = /--resume (\d+)/.exec(stderr);
  assert.ok(m, stderr);
  const r = cli(['train', '--db', db2, '--resume', m[1], '--json']);
  assert.equal(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  assert.equal(o.runId, Number(m[1]));
  assert.ok(o.epochs > 2 && o.modelId > 0);
});
