// The typed job pool on real worker threads: results equal the calling
// thread's, a worker's error keeps its name (so the CLI still maps a
// BaseCaseError to exit 2) whether it happens in set-up or in a chunk,
// cancel keeps what came back and stops, and a worker started with an
// unknown job says so.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMatpower } from '../../main/core/grid/matpower';
import type { ContingencyRecord } from '../../main/core/grid/contingency-types';
import { JobWorker } from '../../main/jobs/job-worker';
import { openN1, type N1Init } from '../../main/jobs/n1-job';
import { JobCancelled, runPool } from '../../main/jobs/pool';
import { caseText } from '../helpers/shared';

const case30: N1Init = { caseText: caseText('case30'), fileName: 'case30.m', mode: 'ac', kind: 'branch' };

test('n1 on two workers: every chunk once, each result with its chunk, equal to this thread', async () => {
  const here = openN1(parseMatpower(case30.caseText, case30.fileName), 'ac', 'branch');
  const rows = here.defaults;
  const chunks: number[][] = [];
  for (let i = 0; i < rows.length; i += 5) chunks.push(rows.slice(i, i + 5));
  const got = new Map<number, ContingencyRecord>();
  await runPool({
    job: 'n1', init: case30, chunks, workers: 2,
    onResult: (records, chunk) => {
      assert.deepEqual(records.map((r) => r.branch), chunk);
      for (const r of records) {
        assert.ok(r.branch !== undefined && !got.has(r.branch));
        got.set(r.branch, r);
      }
    },
  });
  assert.equal(got.size, rows.length);
  for (const row of rows) assert.deepEqual(got.get(row), here.solve(row));
});

test("a worker's error keeps its name: BaseCaseError in set-up, ContingencyError in a chunk", async () => {
  const text = caseText('case14');
  const heavy = text.replace(/mpc\.bus = \[([\s\S]*?)\];/, (m) => m.replace(/^(\s*\d+\s+\d+\s+)([\d.]+)/gm, (_s, a, pd) => `${a}${Number(pd) * 10}`));
  let here: Error | null = null;
  try { openN1(parseMatpower(heavy, 'heavy.m'), 'ac', 'branch'); } catch (e) { here = e as Error; }
  assert.equal(here?.name, 'BaseCaseError');
  let results = 0;
  await assert.rejects(
    runPool({ job: 'n1', init: { ...case30, caseText: heavy, fileName: 'heavy.m' }, chunks: [[1], [2], [3]], workers: 2, onResult: () => results++ }),
    (e: Error) => e.name === 'BaseCaseError' && e.message === here?.message,
  );
  assert.equal(results, 0);
  await assert.rejects(
    runPool({ job: 'n1', init: case30, chunks: [[1, 2], [999], [3]], workers: 1, onResult: () => results++ }),
    (e: Error) => e.name === 'ContingencyError' && /branch 999 does not exist: the case has 41 branches/.test(e.message) && /n1-job|contingency/.test(e.stack ?? ''),
  );
  assert.equal(results, 1, 'the chunk before the bad one came back, none after');
});

test('cancel: the pool rejects with JobCancelled and hands nothing back after it', async () => {
  const ac = new AbortController();
  const chunks = Array.from({ length: 41 }, (_, i) => [i + 1]);
  let results = 0, afterAbort = 0;
  await assert.rejects(
    runPool({
      job: 'n1', init: case30, chunks, workers: 2, signal: ac.signal,
      onResult: () => {
        if (ac.signal.aborted) afterAbort++;
        if (++results === 3) ac.abort();
      },
    }),
    JobCancelled,
  );
  assert.equal(results, 3);
  assert.equal(afterAbort, 0);
  // Already cancelled: no worker starts.
  await assert.rejects(runPool({ job: 'n1', init: case30, chunks, workers: 2, signal: ac.signal, onResult: () => results++ }), JobCancelled);
  assert.equal(results, 3);
});

test('a worker started with an unknown job refuses before any chunk', async () => {
  // Only a cast can name an unknown job: the pool's types do not allow it.
  const w = new JobWorker('pf' as 'n1', case30);
  await assert.rejects(w.ready, /a worker needs a known job and its init/);
  await assert.rejects(w.run([1]), /a worker needs a known job/);
  await w.terminate();
});
