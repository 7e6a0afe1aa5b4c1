// The job queue with real N-1 runs of small cases: never more running than
// slots nor more threads than the budget, first come first served, a queued
// job says where it stands and can be cancelled, finished jobs are forgotten
// (their runs stay in the store).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../main/store';
import { CaseCatalogue } from '../../main/services/case-catalogue';
import { JobQueue, type JobSpec } from '../../main/services/job-queue';
import { N1Jobs } from '../../main/services/n1-jobs';
import { createHandlers } from '../../main/services/app';
import { casesDir } from '../../main/paths';

const SMALL = ['case57', 'case118', 'case39', 'case89pegase', 'case30', 'case24_ieee_rts'];

/** N-1 jobs of `names` on a queue, each run watched: how many ran at once, in which order they started. */
function watched(queue: JobQueue, names: string[]) {
  const n1 = new N1Jobs(new CaseCatalogue({ casesDir: casesDir() }), queue);
  const seen = { started: [] as string[], running: 0, maxRunning: 0, maxThreads: 0 };
  const ids = names.map((name) => {
    const spec = n1.spec(name);
    const run: JobSpec['run'] = async (ctx) => {
      seen.started.push(name);
      seen.running++;
      seen.maxRunning = Math.max(seen.maxRunning, seen.running);
      seen.maxThreads = Math.max(seen.maxThreads, queue.load().threadsInUse);
      try { return await spec.run(ctx); } finally { seen.running--; }
    };
    return queue.submit({ ...spec, run });
  });
  return { ids, seen };
}

async function settled(queue: JobQueue, ids: number[]): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (ids.every((id) => !['queued', 'running'].includes(queue.view(id).status))) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('jobs did not finish');
}

test('at most `slots` jobs run, first come first served; the rest say where they stand', async () => {
  const queue = new JobQueue({ slots: 2, threads: 4 });
  const { ids, seen } = watched(queue, SMALL);
  // Queued at once: nothing has started in the call that queued them.
  assert.deepEqual(ids.map((id) => [queue.view(id).status, queue.view(id).queuePosition]), SMALL.map((_, i) => ['queued', i + 1]));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(ids.map((id) => queue.view(id).status), ['running', 'running', 'queued', 'queued', 'queued', 'queued']);
  assert.deepEqual(ids.slice(2).map((id) => queue.view(id).queuePosition), [1, 2, 3, 4]);
  assert.deepEqual(ids.slice(0, 2).map((id) => queue.view(id).threads), [2, 2], 'an even share of the 4 threads');
  await settled(queue, ids);
  assert.equal(seen.maxRunning, 2);
  assert.ok(seen.maxThreads <= 4);
  assert.deepEqual(seen.started, SMALL, 'started in the order they came');
  assert.deepEqual(ids.map((id) => queue.view(id).status), SMALL.map(() => 'done'));
  assert.equal(queue.view(ids[1]).result!.records.length, 186);
  assert.deepEqual(queue.load(), { running: 0, queued: 0, threadsInUse: 0, kept: 6 });
});

test('the worker threads of running jobs never exceed the budget, even with slots to spare', async () => {
  const queue = new JobQueue({ slots: 3, threads: 2 });
  const { ids, seen } = watched(queue, SMALL.slice(0, 4));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(ids.map((id) => queue.view(id).status), ['running', 'queued', 'queued', 'queued'], 'the first holds both threads');
  await settled(queue, ids);
  assert.equal(seen.maxRunning, 1);
  assert.equal(seen.maxThreads, 2);
  // With one thread a job runs in this thread: still one at a time.
  const single = new JobQueue({ slots: 2, threads: 1 });
  const one = watched(single, SMALL.slice(0, 3));
  await settled(single, one.ids);
  assert.equal(one.seen.maxRunning, 1);
  assert.deepEqual(one.ids.map((id) => single.view(id).threads), [1, 1, 1]);
});

test('a queued job can be cancelled: it never runs and the line moves up', async () => {
  const queue = new JobQueue({ slots: 1, threads: 2 });
  const { ids, seen } = watched(queue, ['case118', 'case57', 'case30']);
  await new Promise((r) => setImmediate(r));
  assert.equal(queue.view(ids[0]).status, 'running');
  assert.deepEqual([queue.view(ids[1]).queuePosition, queue.view(ids[2]).queuePosition], [1, 2]);
  assert.deepEqual(queue.cancel(ids[1]), { cancelled: true });
  const cancelled = queue.view(ids[1]);
  assert.equal(cancelled.status, 'cancelled');
  assert.equal(cancelled.result, undefined);
  assert.equal(queue.view(ids[2]).queuePosition, 1);
  await settled(queue, ids);
  assert.deepEqual(seen.started, ['case118', 'case30']);
  assert.deepEqual(ids.map((id) => queue.view(id).status), ['done', 'cancelled', 'done']);
  assert.deepEqual(queue.cancel(ids[0]), { cancelled: false }, 'a finished job has nothing to cancel');
});

test('finished jobs are forgotten after the retention time; their runs stay in the store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridrewire-jobs-'));
  const store = openStore(join(dir, 'jobs.db'));
  try {
    let clock = 1_000_000;
    const queue = new JobQueue({ retentionMs: 60_000, now: () => clock });
    const n1 = new N1Jobs(new CaseCatalogue({ casesDir: casesDir(), store }), queue);
    const { jobId } = n1.start('case30');
    await settled(queue, [jobId]);
    const runId = queue.view(jobId).result!.runId!;
    clock += 59_000;
    assert.equal(queue.view(jobId).status, 'done', 'still kept within the retention time');
    const second = n1.start('case14');
    clock += 1_001;
    assert.throws(() => queue.view(jobId), { message: `no job ${jobId} (finished jobs are kept 1 minute; its results are N-1 run ${runId} in the store)` });
    assert.throws(() => queue.cancel(jobId), /no job 1 \(finished jobs are kept 1 minute/);
    assert.equal(store.n1.getRun(runId)!.done, 41);
    // A job that has not finished is never forgotten, however long it waits.
    clock += 3_600_000;
    assert.ok(['queued', 'running'].includes(queue.view(second.jobId).status));
    await settled(queue, [second.jobId]);
    assert.equal(queue.view(second.jobId).status, 'done');
    assert.equal(queue.load().kept, 1);
    assert.throws(() => queue.view(99), { message: 'no job 99' });
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('20 N-1 starts through the Api all answer at once; no more than the cores run', async () => {
  const api = createHandlers({ casesDir: casesDir() });
  const starts = await Promise.all(Array.from({ length: 20 }, (_, i) => api.startN1({ name: i % 2 ? 'case30' : 'case14' })));
  const first = await Promise.all(starts.map((s) => api.job(s)));
  assert.ok(first.every((v) => v.status === 'queued' && v.etaSeconds === -1), 'answered before any work started');
  assert.deepEqual(first.map((v) => v.queuePosition), starts.map((_, i) => i + 1));
  let most = 0;
  for (let i = 0; i < 2000; i++) {
    const views = await Promise.all(starts.map((s) => api.job(s)));
    most = Math.max(most, views.filter((v) => v.status === 'running').length);
    if (views.every((v) => v.status === 'done')) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.ok(most >= 1 && most <= cpus().length, `${most} ran at once`);
  const last = await api.job(starts[19]);
  assert.equal(last.status, 'done');
  assert.equal(last.result!.records.length, 41);
});
