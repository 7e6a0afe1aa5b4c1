// The dataset job on worker threads: progress to the last scenario; a cancel
// keeps the scenarios that finished (each stored whole, compactly) and leaves
// the dataset unfinished, which training refuses; Ctrl-C on the real CLI does
// the same and says so.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../main/store';
import { buildDataset, loadDataset, type DatasetProgress } from '../../main/services/dataset';
import { BIN, ROOT } from '../helpers/cli';
import { CASES, caseText } from '../helpers/shared';

const dir = mkdtempSync(join(tmpdir(), 'gridrewire-dataset-job-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const g200 = { caseText: caseText('case_ACTIVSg200'), fileName: 'case_ACTIVSg200.m', seed: 2 };

test('progress on worker threads reaches every scenario; a cancel keeps whole scenarios and the dataset stays unfinished', async () => {
  const store = openStore(join(dir, 'job.db'));
  try {
    const seen: DatasetProgress[] = [];
    const whole = await buildDataset({ store, ...g200, random: 4, workers: 2, onProgress: (p) => seen.push(p) });
    assert.equal(whole.workers, 2);
    assert.deepEqual(seen.map((p) => p.done), [1, 2, 3, 4]);
    assert.ok(seen.every((p) => p.total === 4 && p.rate > 0 && p.etaSeconds >= 0));
    assert.equal(loadDataset(store, whole.datasetId).packed.sampleBranch.length, 4 * 245);

    const ac = new AbortController();
    const cut = await buildDataset({ store, ...g200, random: 12, workers: 2, signal: ac.signal, onProgress: (p) => { if (p.done === 2) ac.abort(); } });
    assert.ok(cut.cancelled);
    const d = store.datasets.get(cut.datasetId)!;
    assert.equal(d.status, 'building');
    const rows = store.datasets.getSamples(cut.datasetId);
    const scenarios = new Set(rows.map((r) => r.scenario));
    assert.ok(scenarios.size >= 2 && scenarios.size < 12, `${scenarios.size} scenarios kept`);
    assert.equal(rows.length, scenarios.size * (245 + 1), 'each kept scenario whole: its static row and every outage');
    assert.equal(cut.samples, scenarios.size * 245);
    assert.throws(() => loadDataset(store, cut.datasetId), /dataset \d+ was not finished \(its build was cancelled or killed\); build it again/);
  } finally {
    store.close();
  }
});

test('Ctrl-C on `gridrewire dataset` stops after the scenarios in progress and says the dataset is incomplete', async () => {
  const db = join(dir, 'sigint.db');
  const child = spawn(process.execPath, [BIN, 'dataset', join(CASES, 'case_ACTIVSg200.m'), '--random', '200', '--workers', '2', '--db', db], { cwd: ROOT });
  let stderr = '';
  let sent = false;
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
    if (!sent && /labelling scenarios \d+\/200/.test(stderr)) { sent = true; child.kill('SIGINT'); }
  });
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  assert.ok(sent, stderr);
  assert.equal(code, 130, stderr);
  assert.match(stderr, /stopping after the scenarios in progress/);
  const m = /cancelled: dataset (\d+) is incomplete \((\d+) samples stored\) and cannot be trained on; build it again/.exec(stderr);
  assert.ok(m, stderr);
  const store = openStore(db);
  try {
    assert.equal(store.datasets.countSamples(Number(m[1])), (Number(m[2]) / 245) * 246);
    assert.equal(store.datasets.get(Number(m[1]))!.status, 'building');
  } finally {
    store.close();
  }
});
