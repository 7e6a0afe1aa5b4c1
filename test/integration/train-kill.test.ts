// A real `gridrewire train` process killed with SIGKILL after some epochs:
// the database is sound, the run resumes from its last committed epoch, and
// the finished model equals the one an uninterrupted run trains.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../main/store';
import { BIN, cli, ROOT } from '../helpers/cli';
import { CASES } from '../helpers/shared';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('SIGKILL in the middle of training, then train --resume', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridrewire-train-kill-'));
  try {
    const db = join(dir, 'train.db');
    const d = cli(['dataset', join(CASES, 'case30.m'), '--random', '6', '--seed', '4', '--workers', '1', '--db', db]);
    assert.equal(d.code, 0, d.stderr);
    const datasetId = d.stdout.trim();
    const args = ['train', '--db', db, '--dataset', datasetId, '--epochs', '8', '--hidden', '8', '--workers', '1', '--seed', '5', '--json'];

    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: 'ignore' });
    let epochs = 0, runId = 0;
    const t0 = Date.now();
    while (Date.now() - t0 < 120_000 && epochs < 2) {
      await sleep(40);
      try {
        const s = openStore(db, { readonly: true });
        try {
          const run = s.training.list().at(-1);
          if (run) { runId = run.id; epochs = s.training.getEpochs(run.id).length; }
        } finally { s.close(); }
      } catch { /* busy for a moment: look again */ }
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.ok(runId > 0 && epochs >= 2, `killed after ${epochs} epochs`);

    const s = openStore(db);
    assert.deepEqual(s.integrityCheck(), ['ok']);
    const committed = s.training.getEpochs(runId).length;
    assert.ok(committed >= 2 && committed < 8, `${committed} epochs committed`);
    assert.ok(s.training.getCheckpoint(runId), 'a checkpoint was committed with the epochs');
    assert.equal(s.models.list().length, 0, 'no half-written model');
    s.close();

    const resumed = cli(['train', '--db', db, '--resume', String(runId), '--workers', '1', '--json']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const r = JSON.parse(resumed.stdout);

    const clean = cli(args);
    assert.equal(clean.code, 0, clean.stderr);
    const c = JSON.parse(clean.stdout);
    assert.equal(r.epochs, c.epochs);
    assert.deepEqual(r.test, c.test, 'resumed and uninterrupted runs reach the same test metrics');

    const s2 = openStore(db, { readonly: true });
    const epochsAfter = s2.training.getEpochs(runId).map((e) => e.epoch);
    assert.deepEqual(epochsAfter, Array.from({ length: epochsAfter.length }, (_, i) => i + 1), 'each epoch once');
    const a = s2.models.getTensors(r.modelId), b = s2.models.getTensors(c.modelId);
    for (const [k, v] of a) assert.deepEqual(b.get(k), v, `tensor ${k}`);
    // The masks kept per rewiring epoch: the resumed run's are the uninterrupted run's.
    const cleanRun = s2.models.get(c.modelId)!.trainingRunId!;
    const ma = s2.training.getMasks(runId), mb = s2.training.getMasks(cleanRun);
    assert.ok(mb.length >= 2 && mb[0].epoch === 0, `masks at the start and after rewiring: epochs ${mb.map((m) => m.epoch)}`);
    assert.deepEqual(ma, mb, 'the same masks at the same epochs');
    s2.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
