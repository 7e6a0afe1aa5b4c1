// Real child processes against a real file: SIGKILL in the middle of writing
// (N-1 records and training checkpoints), a reader while a writer writes, two
// writers at once, and a writer holding the lock. The file must always open,
// pass integrity_check, show whole batches only, and resume to exactly one
// record per contingency, identical to an uninterrupted run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openStore, StoreError } from '../../main/store';
import { caseText, makeCase, makeRecord, range1 } from '../fixtures/store/fixtures';

const ROOT = resolve(import.meta.dirname, '..', '..');
const WRITER = join('test', 'fixtures', 'store', 'writer.ts');

function tempDb(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'gr-store-crash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'crash.db');
}

interface Child {
  proc: ChildProcess;
  lines: string[];
  /** Resolves when a line matching `re` has been printed (rejects if the child ends first). */
  waitFor(re: RegExp): Promise<string>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

function startWriter(db: string, ...args: (string | number)[]): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', WRITER, db, ...args.map(String)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  let waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  let buf = '';
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      lines.push(line);
      waiters = waiters.filter((w) => (w.re.test(line) ? (w.resolve(line), false) : true));
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((res) =>
    proc.on('close', (code, signal) => res({ code, signal, stderr })),
  );
  const waitFor = (re: RegExp) =>
    new Promise<string>((res, rej) => {
      const hit = lines.find((l) => re.test(l));
      if (hit !== undefined) return res(hit);
      waiters.push({ re, resolve: res });
      void exit.then((e) => rej(new Error(`writer ended (${e.code ?? e.signal}) before printing ${re}: ${e.stderr}`)));
    });
  return { proc, lines, waitFor, exit };
}

const runIdOf = (line: string) => Number(line.split(' ')[1]);

/** Resumes an N-1 run the way the CLI will: mark stale, claim, compute only the missing, finish. */
function resumeAndCheck(db: string, runId: number, total: number, batch: number): void {
  const store = openStore(db);
  try {
    assert.deepEqual(store.integrityCheck(), ['ok']);
    const before = store.n1.getRun(runId)!;
    assert.equal(before.status, 'running', 'a killed run stays running until marked');
    assert.equal(before.stale, true, 'but its dead owner shows (for `gridrewire runs`)');
    // Nobody writes into it before claiming it.
    assert.throws(() => store.n1.appendRecords(runId, [makeRecord('branch', total)]), (e: unknown) => e instanceof StoreError && e.code === 'LOCKED' && /claimRun/.test(e.message));
    assert.equal(before.done % batch, 0, `whole batches only (done = ${before.done})`);
    assert.equal(store.n1.countRecords(runId), before.done);
    assert.ok(before.done > 0 && before.done < total, `killed mid-way (done = ${before.done})`);
    // Batches were written in element order, so exactly 1..done are present.
    assert.deepEqual(store.n1.getRecords(runId).map((r) => r.branch), range1(before.done));

    assert.deepEqual(store.markStaleRunsInterrupted().n1, [runId]);
    const marked = store.n1.getRun(runId)!;
    assert.equal(marked.status, 'interrupted');
    assert.match(marked.error ?? '', /killed or crashed/);

    store.n1.claimRun(runId);
    const missing = store.n1.missingElements(runId);
    assert.deepEqual(missing, range1(total).slice(before.done));
    // Replay the last stored batch too, as a resume that is unsure where it stopped would.
    const redo = [...range1(before.done).slice(-batch), ...missing];
    for (let i = 0; i < redo.length; i += batch) store.n1.appendRecords(runId, redo.slice(i, i + batch).map((e) => makeRecord('branch', e)));
    store.n1.finishRun(runId, 'done', 0.1);

    const recs = store.n1.getRecords(runId);
    assert.equal(recs.length, total, 'exactly one record per contingency');
    // Identical to an uninterrupted run (every record is a pure function of its element).
    assert.deepEqual(recs, range1(total).map((e) => makeRecord('branch', e)));
    const run = store.n1.getRun(runId)!;
    assert.equal(run.status, 'done');
    assert.equal(run.done, total);
    assert.equal(Object.values(run.counts).reduce((a, b) => a + b, 0), total);
    assert.deepEqual(store.integrityCheck(), ['ok']);
  } finally {
    store.close();
  }
}

test('SIGKILL inside an open transaction: the half-written batch vanishes, the run resumes', async (t) => {
  const db = tempDb(t);
  const w = startWriter(db, 'n1', 3000, 100, 7); // dies with half of batch 8 written
  const runId = runIdOf(await w.waitFor(/^run /));
  const e = await w.exit;
  assert.equal(e.signal, 'SIGKILL', e.stderr);
  assert.ok(w.lines.includes('dying') && w.lines.includes('batch 7') && !w.lines.includes('batch 8'));
  const store = openStore(db, { readonly: true });
  assert.equal(store.n1.getRun(runId)!.done, 700, 'exactly the 7 committed batches survived');
  store.close();
  resumeAndCheck(db, runId, 3000, 100);
});

test('SIGKILL from outside while the writer streams batches', async (t) => {
  const db = tempDb(t);
  const total = 20000;
  const w = startWriter(db, 'n1', total, 500);
  const runId = runIdOf(await w.waitFor(/^run /));
  await w.waitFor(/^batch 3$/);
  w.proc.kill('SIGKILL');
  const e = await w.exit;
  assert.equal(e.signal, 'SIGKILL', `writer finished before it could be killed: ${e.stderr}`);
  resumeAndCheck(db, runId, total, 500);
});

test('SIGKILL during training: stored epochs and checkpoint agree, training resumes', async (t) => {
  const db = tempDb(t);
  const w = startWriter(db, 'train', 10000, 50000); // 4 tensors of 50k elements per checkpoint
  const runId = runIdOf(await w.waitFor(/^run /));
  await w.waitFor(/^epoch 4$/);
  w.proc.kill('SIGKILL');
  assert.equal((await w.exit).signal, 'SIGKILL');

  const store = openStore(db);
  t.after(() => store.close());
  assert.deepEqual(store.integrityCheck(), ['ok']);
  const epochs = store.training.getEpochs(runId).map((e) => e.epoch);
  assert.ok(epochs.length >= 5, `at least the 5 printed epochs are stored (${epochs.length})`);
  assert.deepEqual(epochs, range1(epochs.length).map((e) => e - 1), 'contiguous epochs 0..k');
  const ckpt = store.training.getCheckpoint(runId)!;
  const last = epochs[epochs.length - 1];
  assert.equal(ckpt.epoch, last, 'checkpoint is of the last committed epoch');
  assert.deepEqual(ckpt.state, { step: last * 10 });
  assert.equal(ckpt.tensors.size, 4);
  for (const [name, a] of ckpt.tensors) {
    assert.equal(a.length, 50000, name);
    assert.ok(a.every((x) => x === last % (name.endsWith('mask') ? 256 : Infinity)), `${name} is entirely from epoch ${last}`);
  }
  assert.equal(store.training.get(runId)!.stale, true);
  assert.throws(() => store.training.commitEpoch(runId, { epoch: last + 1, loss: 0, valMetrics: {}, density: 0, zeta: 0, pruned: 0, regrown: 0, seconds: 0 }), (e: unknown) => e instanceof StoreError && e.code === 'LOCKED');
  assert.deepEqual(store.markStaleRunsInterrupted().training, [runId]);
  assert.equal(store.training.get(runId)!.status, 'interrupted');
  store.training.claim(runId);
  const next = last + 1;
  store.training.commitEpoch(runId, { epoch: next, loss: 0, valMetrics: {}, density: 0.1, zeta: 0, pruned: 0, regrown: 0, seconds: 0 }, { epoch: next, state: { step: next * 10 }, tensors: { w: new Float32Array(3) } });
  store.training.finish(runId, 'done', 1);
  assert.equal(store.training.get(runId)!.epochsDone, epochs.length + 1);
  assert.deepEqual([...store.training.getCheckpoint(runId)!.tensors.keys()], ['w']);
});

test('a reader reads while another process writes: no BUSY, only whole batches, consistent counts', async (t) => {
  const db = tempDb(t);
  const c = makeCase('crash_case', 30); // same content as the writer's, so one case
  const setup = openStore(db);
  setup.cases.import({ text: caseText(c), parsed: c });
  setup.close();
  const reader = openStore(db, { readonly: true });
  const writerConn = openStore(db); // a read-write connection reading too, as the UI process would
  t.after(() => {
    reader.close();
    writerConn.close();
  });
  const batch = 250;
  const total = 20000;
  const w = startWriter(db, 'n1', total, batch);
  const runId = runIdOf(await w.waitFor(/^run /));
  let reads = 0;
  let last = -1;
  const seen = new Set<number>();
  const deadline = Date.now() + 30000;
  // Synchronous tight loop: reads as often as possible while the child writes.
  for (let done = 0; done < total && Date.now() < deadline; reads++) {
    const conn = reads % 2 === 0 ? reader : writerConn;
    const snap = conn.snapshot(() => {
      const run = conn.n1.getRun(runId)!;
      return { run, count: conn.n1.countRecords(runId), page: conn.n1.getRecords(runId, { orderBy: 'severity', limit: 20 }) };
    });
    done = snap.run.done;
    assert.equal(snap.count, done, 'run progress and its rows come from the same commit');
    assert.equal(done % batch, 0, `a reader never sees part of a batch (done = ${done})`);
    assert.equal(Object.values(snap.run.counts).reduce((a, b) => a + b, 0), done);
    assert.ok(done >= last, 'progress never goes back');
    assert.equal(snap.page.length, Math.min(20, done));
    last = done;
    seen.add(done);
  }
  const e = await w.exit;
  assert.equal(e.code, 0, e.stderr);
  assert.equal(last, total);
  assert.ok(seen.size >= 5, `the reader saw the run grow (${seen.size} distinct states in ${reads} reads)`);
  assert.equal(reader.n1.getRun(runId)!.status, 'done');
  assert.deepEqual(writerConn.integrityCheck(), ['ok']);
});

test('two processes writing the same file at once both succeed (WAL + busy_timeout)', async (t) => {
  const db = tempDb(t);
  const a = startWriter(db, 'n1', 4000, 100);
  const b = startWriter(db, 'n1', 4000, 100);
  const [ea, eb] = await Promise.all([a.exit, b.exit]);
  assert.equal(ea.code, 0, ea.stderr);
  assert.equal(eb.code, 0, eb.stderr);
  const store = openStore(db);
  t.after(() => store.close());
  assert.deepEqual(store.integrityCheck(), ['ok']);
  assert.equal(store.cases.list().length, 1, 'the same case imported concurrently is stored once');
  const runs = store.n1.listRuns();
  assert.deepEqual(runs.map((r) => [r.status, r.done]), [['done', 4000], ['done', 4000]]);
  for (const r of runs) assert.deepEqual(store.n1.getRecords(r.id), range1(4000).map((e) => makeRecord('branch', e)));
});

test('a writer holding the lock: others read, a short-timeout write gets BUSY, a run stays LOCKED while its owner lives', async (t) => {
  const db = tempDb(t);
  // The holder keeps its write transaction open for 1.5 s, far beyond the impatient 50 ms busy timeout.
  const w = startWriter(db, 'hold', 1500, 500);
  const runId = runIdOf(await w.waitFor(/^run /));
  await w.waitFor(/^holding$/);
  const impatient = openStore(db, { busyTimeoutMs: 50 });
  t.after(() => impatient.close());
  // Reading works during the other process's write transaction.
  assert.equal(impatient.n1.getRun(runId)!.status, 'running');
  assert.deepEqual(impatient.layouts.get(1), [], "the holder's write is not committed yet");
  assert.throws(
    () => impatient.layouts.upsert(1, [{ bus: 2, x: 1, y: 1 }]),
    (e: unknown) => e instanceof StoreError && e.code === 'BUSY' && /another process is writing/.test(e.message) &&
      (e.cause as { code?: unknown } | undefined)?.code === 'SQLITE_BUSY',
  );
  // Order of events, not a time bound: the holder's transaction was still open when the write gave up
  // (its row is still invisible to a fresh read), so the writer gave up on its own busy timeout and did
  // not wait for the holder to release the lock.
  assert.deepEqual(impatient.layouts.get(1), [], 'the write gave up while the holder still held the lock');
  // A patient connection waits for the lock and then writes.
  const patient = openStore(db, { busyTimeoutMs: 5000 });
  t.after(() => patient.close());
  patient.layouts.upsert(1, [{ bus: 2, x: 1, y: 1 }]);
  await w.waitFor(/^released$/);
  // The owner is alive: its run cannot be taken over, nor marked stale.
  assert.throws(() => patient.n1.claimRun(runId), (e: unknown) => e instanceof StoreError && e.code === 'LOCKED' && e.message.includes(String(w.proc.pid)));
  assert.throws(() => patient.n1.appendRecords(runId, [makeRecord('branch', 1)]), (e: unknown) => e instanceof StoreError && e.code === 'LOCKED');
  assert.equal(patient.n1.getRun(runId)!.stale, false);
  assert.deepEqual(patient.markStaleRunsInterrupted().n1, []);
  assert.equal((await w.exit).code, 0);
  // Its process is gone now (it never finished the run): stale, then resumable.
  assert.deepEqual(patient.markStaleRunsInterrupted().n1, [runId]);
  assert.equal(patient.n1.claimRun(runId).status, 'running');
  assert.deepEqual(patient.layouts.get(1).map((p) => p.bus), [1, 2]);
  assert.deepEqual(patient.integrityCheck(), ['ok']);
});
