// N-1 runs and dataset labelling on a real cluster: a redis-server on a free
// loopback port, `gridrewire worker` processes and a submitting `gridrewire
// n1 --cluster` / `dataset --cluster`, nothing mocked. Records must be
// identical to a local run's, also when a worker is SIGKILLed mid-run (its
// chunk stalls and is redone elsewhere) or the coordinator is killed and the
// run resumed; a Redis that is not there is a one-line error before any work.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { openStore } from '../../main/store';
import type { ContingencyRecord } from '../../main/core/grid/contingency-types';
import { PREFIX, QUEUE } from '../../main/jobs/cluster/protocol';
import { BIN, cli, ROOT } from '../helpers/cli';
import { CASES } from '../helpers/shared';
import { freePort, kill, skipWithoutRedis, startRedis, startWorker, type RedisServer } from '../helpers/redis';

const skip = skipWithoutRedis;
const CASE = join(CASES, 'case2383wp.m');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let redis: RedisServer;
const workers: ChildProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), 'gridrewire-cluster-'));

before(async () => {
  if (skip) return;
  redis = await startRedis();
});
after(async () => {
  await Promise.all(workers.map((w) => kill(w)));
  await redis?.stop();
});

const records = (db: string, run = 1): ContingencyRecord[] => {
  const s = openStore(db, { readonly: true });
  try {
    return s.n1.getRecords(run, { orderBy: 'element' });
  } finally {
    s.close();
  }
};
const runOf = (db: string, run = 1) => {
  const s = openStore(db, { readonly: true });
  try {
    return s.n1.getRun(run);
  } finally {
    s.close();
  }
};

/** The local run every cluster run must reproduce, computed once. */
let localRecords: ContingencyRecord[] | null = null;
function local(): ContingencyRecord[] {
  if (!localRecords) {
    const db = join(dir, 'local.db');
    const r = cli(['n1', CASE, '--db', db, '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    localRecords = records(db);
  }
  return localRecords;
}

/** Exactly one record per contingency, each equal to the local run's. */
function assertSameAsLocal(db: string, run = 1): void {
  const got = records(db, run), want = local();
  assert.equal(new Set(got.map((r) => r.branch)).size, got.length, 'one record per contingency');
  assert.equal(got.length, want.length);
  assert.deepEqual(got, want);
  const summary = runOf(db, run)!;
  assert.equal(summary.status, 'done');
  assert.equal(Object.values(summary.counts).reduce((a, b) => a + b, 0), summary.total, 'verdict counts add up to the contingencies (none counted twice)');
}

/** Polls the store until `n` records of run 1 exist (or the time is up). */
async function waitForRecords(db: string, n: number, ms = 60_000): Promise<number> {
  const t0 = Date.now();
  let done = 0;
  while (Date.now() - t0 < ms) {
    try {
      done = runOf(db)?.done ?? 0;
    } catch { /* not created yet */ }
    if (done >= n) return done;
    await sleep(50);
  }
  return done;
}

async function leftoverJobs(): Promise<number> {
  const q = new Queue(QUEUE, { connection: { host: '127.0.0.1', port: redis.port }, prefix: PREFIX });
  try {
    const c = await q.getJobCounts('wait', 'active', 'delayed', 'completed', 'failed');
    return Object.values(c).reduce((a, b) => a + b, 0);
  } finally {
    await q.close();
  }
}

test('two workers and a submitter on case2383wp: the records of a local run, one per contingency', { skip }, async () => {
  workers.push(await startWorker(redis.url, ['--concurrency', '1']), await startWorker(redis.url, ['--concurrency', '1']));
  const db = join(dir, 'two.db');
  const r = cli(['n1', CASE, '--cluster', redis.url, '--db', db, '--quiet', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /2 workers connected/);
  assert.equal(JSON.parse(r.stdout).contingencies.length, 2896);
  assertSameAsLocal(db);
  assert.equal(await leftoverJobs(), 0, 'every chunk taken out of Redis once stored');
});

test('a worker SIGKILLed mid-run: its chunk is redone elsewhere, exactly one record per contingency', { skip }, async () => {
  await Promise.all(workers.splice(0).map((w) => kill(w)));
  // A short lock, so that the killed worker's chunk is seen stalled in seconds rather than 30 s.
  const a = await startWorker(redis.url, ['--concurrency', '1', '--lock-seconds', '2']);
  const b = await startWorker(redis.url, ['--concurrency', '1', '--lock-seconds', '2']);
  workers.push(a, b);
  const db = join(dir, 'kill-worker.db');
  const sub = spawn(process.execPath, [BIN, 'n1', CASE, '--cluster', redis.url, '--chunk', '100', '--db', db, '--quiet'], { cwd: ROOT, stdio: 'ignore' });
  const done = await waitForRecords(db, 400);
  kill(a);
  assert.ok(done >= 400 && done < 2896, `killed a worker at ${done}/2896`);
  const code = await new Promise<number | null>((res) => sub.once('exit', res));
  assert.equal(code, 0);
  assertSameAsLocal(db);
});

test('the coordinator SIGKILLed mid-run, then --resume on the cluster: only what is missing, the records of a local run', { skip }, async () => {
  if (workers.every((w) => w.exitCode !== null || w.signalCode !== null)) workers.push(await startWorker(redis.url, ['--concurrency', '1']));
  const db = join(dir, 'kill-coordinator.db');
  const sub = spawn(process.execPath, [BIN, 'n1', CASE, '--cluster', redis.url, '--chunk', '100', '--db', db, '--quiet'], { cwd: ROOT, stdio: 'ignore' });
  const done = await waitForRecords(db, 300);
  await kill(sub);
  assert.ok(done >= 300 && done < 2896, `killed the coordinator at ${done}/2896`);
  const r = cli(['n1', '--resume', '1', '--db', db, '--cluster', redis.url, '--quiet', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const m = /(\d+) contingencies computed now, (\d+) were already stored/.exec(r.stderr);
  assert.ok(m, r.stderr);
  assert.equal(Number(m[1]) + Number(m[2]), 2896);
  assert.ok(Number(m[2]) >= done, `${m[2]} were stored before the resume, ${done} seen`);
  assertSameAsLocal(db);
});

test('dataset --cluster labels the same samples as a local build', { skip }, async () => {
  if (workers.every((w) => w.exitCode !== null || w.signalCode !== null)) workers.push(await startWorker(redis.url, ['--concurrency', '1']));
  const args = ['dataset', join(CASES, 'case30.m'), '--random', '4', '--seed', '5', '--quiet'];
  const dl = join(dir, 'dl.db'), dc = join(dir, 'dc.db');
  const l = cli([...args, '--db', dl]), c = cli([...args, '--db', dc, '--cluster', redis.url]);
  assert.equal(l.code, 0, l.stderr);
  assert.equal(c.code, 0, c.stderr);
  const samples = (db: string) => {
    const s = openStore(db, { readonly: true });
    try {
      return s.datasets.getSamples(1).map((x) => ({ scenario: x.scenario, branch: x.branch, split: x.split, features: Buffer.from(x.features.buffer, x.features.byteOffset, x.features.byteLength).toString('hex'), labels: Buffer.from(x.labels.buffer, x.labels.byteOffset, x.labels.byteLength).toString('hex') }))
        // Sorted: the local build and the cluster store scenarios in the plan's order, the sort only makes the comparison independent of it.
        .sort((p, q) => p.scenario - q.scenario || p.branch - q.branch);
    } finally {
      s.close();
    }
  };
  const a = samples(dl), b = samples(dc);
  assert.ok(a.length > 4 * 41, `${a.length} samples`);
  assert.deepEqual(b, a);
});

test('an unreachable Redis, a bad URL and clashing flags: one-line errors (exit 2) before any work, nothing stored', { skip }, async () => {
  const port = await freePort();
  const db = join(dir, 'none.db');
  const t0 = Date.now();
  const r = cli(['n1', join(CASES, 'case30.m'), '--cluster', `redis://:s3cret@127.0.0.1:${port}`, '--db', db, '--quiet']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`^gridrewire n1: Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port} is unreachable: .+\\n$`));
  assert.doesNotMatch(r.stderr, /s3cret/, 'the password is never printed');
  assert.ok(Date.now() - t0 < 15_000, 'no silent wait');
  const s = openStore(db, { readonly: true });
  try {
    assert.equal(s.n1.listRuns().length, 0, 'no run recorded');
  } finally {
    s.close();
  }
  const ds = cli(['dataset', join(CASES, 'case30.m'), '--random', '2', '--db', db, '--cluster', `redis://127.0.0.1:${port}`, '--quiet']);
  assert.equal(ds.code, 2, ds.stderr);
  assert.match(ds.stderr, /is unreachable/);
  const s2 = openStore(db, { readonly: true });
  try {
    assert.equal(s2.datasets.list().length, 0, 'no dataset recorded');
  } finally {
    s2.close();
  }
  const w = cli(['worker', '--redis', `redis://127.0.0.1:${port}`]);
  assert.equal(w.code, 2);
  assert.match(w.stderr, /^gridrewire worker: Redis at redis:\/\/127\.0\.0\.1:\d+ is unreachable/);
  for (const [args, msg] of [
    [['n1', join(CASES, 'case30.m'), '--cluster', 'http://127.0.0.1:6379'], /is not a Redis URL: it must start with redis:\/\/ or rediss:\/\//],
    [['n1', join(CASES, 'case30.m'), '--cluster', redis.url, '--workers', '2'], /--workers sets this machine's threads/],
    [['n1', join(CASES, 'case30.m'), '--chunk', '100'], /--chunk sizes the chunks of a --cluster run/],
    [['worker'], /usage: gridrewire worker --redis/],
    [['worker', '--redis', redis.url, '--lock-seconds', '0'], /--lock-seconds must be between 1 and 3600/],
  ] as [string[], RegExp][]) {
    const e = cli(args);
    assert.equal(e.code, 2, `${args.join(' ')}: ${e.stderr}`);
    assert.match(e.stderr, msg);
    assert.equal(e.stderr.trim().split('\n').length, 1, e.stderr);
  }
});

test("the app's Api: no cluster configured is said, a run asked for the cluster is refused naming the field, nothing queued", async () => {
  const { createApp } = await import('../../main/services/app');
  const { casesDir } = await import('../../main/paths');
  const app = createApp({ casesDir: casesDir() });
  assert.deepEqual(await app.api.cluster(), { configured: false, url: null, redisVersion: null, workers: [], error: null });
  await assert.rejects(app.api.startN1({ name: 'case9', cluster: true }), (e: Error & { field?: string }) => /no cluster is configured: start the app with GRIDREWIRE_REDIS=/.test(e.message) && e.field === 'cluster');
  assert.deepEqual(app.services.jobs.load(), { running: 0, queued: 0, threadsInUse: 0, kept: 0 }, 'nothing queued');
});

test("the app's dataset builds go to the cluster when asked (and are refused when none is configured)", { skip }, async () => {
  if (workers.every((w) => w.exitCode !== null || w.signalCode !== null)) workers.push(await startWorker(redis.url, ['--concurrency', '1']));
  const { createApp } = await import('../../main/services/app');
  const { casesDir } = await import('../../main/paths');
  const store = openStore(join(dir, 'app-dataset.db'));
  try {
    const none = createApp({ casesDir: casesDir(), store });
    await assert.rejects(none.api.startDataset({ name: 'case30', scenarios: 2, cluster: true }), (e: Error & { field?: string }) => e.field === 'cluster' && /no cluster is configured/.test(e.message));
    const app = createApp({ casesDir: casesDir(), store, cluster: redis.url });
    const { jobId } = await app.api.startDataset({ name: 'case30', scenarios: 3, seed: 2, cluster: true });
    let view = await app.api.job({ jobId });
    for (let i = 0; i < 600 && (view.status === 'queued' || view.status === 'running'); i++) {
      await sleep(100);
      view = await app.api.job({ jobId });
    }
    assert.equal(view.status, 'done', view.error ?? '');
    assert.match(view.label, /case30 dataset on the cluster/);
    const [d] = store.datasets.list();
    assert.equal(d.status, 'done');
    assert.equal(store.datasets.countSamples(d.id), 3 * 42, '3 scenarios: a base row and 41 outages each');
  } finally {
    store.close();
  }
});
