// A real `gridrewire n1 --db` process killed with SIGKILL mid-run: the file
// stays sound, `runs` shows the run, and --resume ends with exactly one record
// per contingency, identical to an uninterrupted run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../main/store';
import { runN1 } from '../../main/services/n1';
import { BIN, cli, ROOT } from '../helpers/cli';
import { CASES } from '../helpers/shared';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('SIGKILL in the middle of an N-1 run, then --resume', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridrewire-kill-'));
  const db = join(dir, 'work.db');
  const file = join(CASES, 'case1354pegase.m');
  const child = spawn(process.execPath, [BIN, 'n1', file, '--db', db, '--workers', '2', '--quiet'], { cwd: ROOT, stdio: 'ignore' });
  let done = 0, total = 0;
  const t0 = Date.now();
  while (Date.now() - t0 < 60_000) {
    await sleep(50);
    try {
      const s = openStore(db, { readonly: true });
      try {
        const run = s.n1.listRuns()[0];
        if (run) { done = run.done; total = run.total; }
      } finally { s.close(); }
    } catch { /* not created yet */ }
    if (done >= 100) break;
  }
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.ok(done >= 100 && done < total, `killed at ${done}/${total}`);

  const s = openStore(db);
  assert.deepEqual(s.integrityCheck(), ['ok']);
  const before = s.n1.getRun(1)!;
  assert.ok(before.done >= done && before.done < before.total);
  assert.equal(s.n1.countRecords(1), before.done);
  s.close();

  const listed = cli(['runs', '--db', db]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /killed\?/);

  const resumed = cli(['n1', '--resume', '1', '--db', db, '--json', '--quiet']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /contingencies computed now, \d+ were already stored/);
  const j = JSON.parse(resumed.stdout);
  assert.equal(j.runId, 1);
  assert.equal(j.contingencies.length, total);

  const s2 = openStore(db, { readonly: true });
  const run = s2.n1.getRun(1)!;
  assert.equal(run.status, 'done');
  assert.equal(run.done, run.total);
  const stored = s2.n1.getRecords(1, { orderBy: 'element' });
  s2.close();
  assert.equal(new Set(stored.map((r) => r.branch)).size, stored.length);

  // Identical to an uninterrupted run.
  const clean = await runN1({ caseText: readFileSync(file, 'utf8'), fileName: 'case1354pegase.m', workers: 1 });
  const byBranch = new Map(clean.records.map((r) => [r.branch, r]));
  assert.equal(stored.length, clean.records.length);
  for (const r of stored) {
    const c = byBranch.get(r.branch)!;
    assert.deepEqual({ ...r, mismatch: 0 }, { ...c, mismatch: 0, worstBranch: c.worstBranch, judgedBy: 'exact', probability: null }, `branch ${r.branch}`);
    assert.ok(Math.abs(r.mismatch - c.mismatch) <= 1e-12 || Object.is(r.mismatch, c.mismatch));
  }
});

test('resume: a bad run id and a database that is not a database are clear errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridrewire-resume-'));
  const db = join(dir, 'w.db');
  const ok = cli(['n1', join(CASES, 'case14.m'), '--db', db, '--quiet']);
  assert.equal(ok.code, 0, ok.stderr);
  const missing = cli(['n1', '--resume', '7', '--db', db]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /run 7/);
  const notDb = join(dir, 'notes.txt');
  require('node:fs').writeFileSync(notDb, 'hello, not a database\n');
  const bad = cli(['runs', '--db', notDb]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /not a GridRewire database/i);
  assert.equal(readFileSync(notDb, 'utf8'), 'hello, not a database\n');
});
