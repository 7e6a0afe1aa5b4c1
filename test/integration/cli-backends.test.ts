// The learning backends as a user sees them (the bundled CLI): `backends`
// lists ours and each TensorFlow.js package with whether it loaded and why
// not (here: the native ones are not installed, the pure JS one loads);
// `train --backend tfjs` trains through TensorFlow.js and stores a model in
// our format that `predict` uses unchanged; a bad --backend is refused with
// exit 2 and nothing stored.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli';
import { CASES, caseText, loadCase } from '../helpers/shared';
import { openStore } from '../../main/store';
import { loadSurrogate, predictCase, type PredictedContingency } from '../../main/services/predict';
import { parseMatpower } from '../../main/core/grid/matpower';
import { BR_STATUS } from '../../main/core/grid/idx';

const dir = mkdtempSync(join(tmpdir(), 'gridrewire-backends-'));
const db = join(dir, 'b.db');
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('backends --json: every backend with loaded, device and why not; auto stays on ours without a GPU', () => {
  const r = cli(['backends', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { backends: { name: string; loaded: boolean; device: string | null; note: string }[]; auto: { name: string } };
  assert.deepEqual(j.backends.map((b) => b.name), ['cpu', 'tfjs-node-gpu', 'tfjs-node', 'tfjs-cpu']);
  const by = new Map(j.backends.map((b) => [b.name, b]));
  assert.equal(by.get('cpu')!.loaded, true);
  assert.equal(by.get('tfjs-cpu')!.loaded, true);
  assert.equal(by.get('tfjs-cpu')!.device, 'CPU (pure JavaScript)');
  for (const n of ['tfjs-node-gpu', 'tfjs-node']) {
    const b = by.get(n)!;
    // Wherever libtensorflow is absent the row says why; where it loads, it names a device.
    assert.ok(b.loaded ? !!b.device : /not installed|failed to load|already holds/.test(b.note), `${n}: ${b.note}`);
  }
  if (!by.get('tfjs-node-gpu')!.loaded) assert.equal(j.auto.name, 'cpu');
  const t = cli(['backends']);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /tfjs-cpu\s+yes\s+CPU \(pure JavaScript\)/);
  assert.match(t.stdout, /train --backend auto uses: /);
  assert.doesNotMatch(t.stderr, /Hi, looks like/);
});

test('train --backend tfjs stores a model that predict uses; a bad --backend is refused and stores nothing', () => {
  const d = cli(['dataset', join(CASES, 'case30.m'), '--random', '3', '--seed', '2', '--workers', '1', '--db', db]);
  assert.equal(d.code, 0, d.stderr);
  const id = d.stdout.trim();
  const runs = () => { const st = openStore(db); try { return st.training.list().length; } finally { st.close(); } };
  const bad = cli(['train', '--db', db, '--dataset', id, '--backend', 'gpu']);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /--backend must be one of cpu, tfjs, auto, got 'gpu'/);
  assert.equal(runs(), 0, 'a refused train stores no run');
  const t = cli(['train', '--db', db, '--dataset', id, '--epochs', '1', '--hidden', '8', '--layers', '1', '--backend', 'tfjs', '--json']);
  assert.equal(t.code, 0, t.stderr);
  const o = JSON.parse(t.stdout) as { modelId: number; backend: { name: string; device: string }; test: { samples: number } | null };
  assert.equal(o.backend.name, 'tfjs-cpu');
  assert.equal(o.backend.device, 'CPU (pure JavaScript)');
  assert.ok(o.modelId > 0);
  // predict --json, in its own thread and on two workers: every branch outage of case30 with its
  // documented fields, and the predictions this process makes with the stored model.
  const c = loadCase('case30');
  const here = (() => { const st = openStore(db, { readonly: true }); try { return predictCase(loadSurrogate(st, o.modelId), parseMatpower(caseText('case30'), 'case30.m')); } finally { st.close(); } })();
  assert.equal(here.contingencies.length, c.branch.filter((b) => b[BR_STATUS] > 0).length);
  for (const workers of ['1', '2']) {
    const p = cli(['predict', '--db', db, '--model', String(o.modelId), join(CASES, 'case30.m'), '--workers', workers, '--json']);
    assert.equal(p.code, 0, p.stderr);
    const j = JSON.parse(p.stdout) as { case: string; model: number; threshold: number; workers: number; seconds: Record<string, number>; contingencies: PredictedContingency[] };
    assert.deepEqual(Object.keys(j).sort(), ['case', 'contingencies', 'model', 'seconds', 'threshold', 'workers']);
    assert.equal(j.case, 'case30');
    assert.equal(j.model, o.modelId);
    assert.equal(j.threshold, here.threshold);
    assert.ok(j.threshold > 0 && j.threshold < 1, `threshold ${j.threshold}`);
    assert.equal(j.workers, Number(workers));
    for (const k of ['base', 'features', 'inference', 'total']) assert.ok(j.seconds[k] >= 0 && j.seconds[k] <= j.seconds.total + 1e-9, `seconds.${k} ${j.seconds[k]}`);
    assert.equal(j.contingencies.length, c.branch.length, 'one prediction per branch of the case (all in service)');
    assert.deepEqual(j.contingencies.map((x) => x.branch).sort((a, b) => a - b), c.branch.map((_, i) => i + 1));
    for (const x of j.contingencies) {
      const row = c.branch[x.branch - 1];
      assert.deepEqual(Object.keys(x).sort(), ['branch', 'estimateSettled', 'from', 'maxLoading', 'pInsecure', 'to', 'verdict'], `branch ${x.branch}`);
      assert.deepEqual([x.from, x.to], [row[0], row[1]], `branch ${x.branch} buses`);
      assert.ok(x.pInsecure >= 0 && x.pInsecure <= 1, `branch ${x.branch} pInsecure ${x.pInsecure}`);
      if (x.verdict === 'islanded') assert.deepEqual([x.pInsecure, x.maxLoading, x.estimateSettled], [1, null, null], `branch ${x.branch}`);
      else {
        assert.equal(x.verdict === 'secure', x.pInsecure < j.threshold, `branch ${x.branch}: ${x.verdict} at ${x.pInsecure}`);
        assert.ok(typeof x.maxLoading === 'number' && x.maxLoading >= 0, `branch ${x.branch} maxLoading ${x.maxLoading}`);
      }
    }
    // The same predictions, in the same ranked order, as this process's inference with the stored model.
    assert.deepEqual(j.contingencies, here.contingencies, `--workers ${workers}`);
  }
});
