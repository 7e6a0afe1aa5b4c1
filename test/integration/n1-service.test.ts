// runN1 across threads: worker results equal in-process results, progress
// streams, cancel keeps exactly what finished and the missing outages solved
// later (runN1 with them, or a stored run's resume) complete it to an
// uninterrupted run's records, bad requests are refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runN1, rankRecords } from '../../main/services/n1';
import { resumeStoredN1, runStoredN1 } from '../../main/services/n1-stored';
import { openStore } from '../../main/store';
import type { ContingencyRecord } from '../../main/core/grid/contingency-types';
import { ContingencyError, BaseCaseError } from '../../main/core/grid/contingency';
import { caseText } from '../helpers/shared';

const byElement = (a: { branch?: number; gen?: number }, b: { branch?: number; gen?: number }) => (a.branch ?? a.gen ?? 0) - (b.branch ?? b.gen ?? 0);

test('two worker threads give the same records as one thread', async () => {
  const text = caseText('case118');
  const one = await runN1({ caseText: text, fileName: 'case118.m', workers: 1 });
  const progress: number[] = [];
  const two = await runN1({ caseText: text, fileName: 'case118.m', workers: 2, onProgress: (p) => progress.push(p.done) });
  assert.equal(two.workers, 2);
  assert.equal(one.records.length, 186);
  assert.deepEqual([...two.records].sort(byElement), [...one.records].sort(byElement));
  assert.equal(progress.at(-1), 186);
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i] > progress[i - 1]);
});

test('DC mode and generator outages run through the same service', async () => {
  const text = caseText('case30');
  const dc = await runN1({ caseText: text, fileName: 'case30.m', mode: 'dc' });
  assert.equal(dc.records.length, 41);
  assert.ok(dc.records.every((r) => r.nVoltageViolations === 0 && r.iterations === 0));
  const gens = await runN1({ caseText: text, fileName: 'case30.m', kind: 'gen', workers: 2 });
  assert.equal(gens.records.length, 6);
  assert.ok(gens.records.every((r) => r.gen !== undefined));
});

// case_ACTIVSg500 run through without interruption, in this thread: the reference the cut-short runs are held to.
let whole: Promise<ContingencyRecord[]> | undefined;
const uninterrupted = () => (whole ??= runN1({ caseText: caseText('case_ACTIVSg500'), fileName: 'case_ACTIVSg500.m', workers: 1 }).then((r) => {
  assert.equal(r.cancelled, false);
  assert.equal(r.records.length, r.total);
  return [...r.records].sort(byElement);
}));

test('cancel keeps the finished records, each once, and stops early; the missing ones solved later complete it to an uninterrupted run', async () => {
  const text = caseText('case_ACTIVSg500');
  const ctl = new AbortController();
  const seen: number[] = [];
  const res = await runN1({
    caseText: text, fileName: 'case_ACTIVSg500.m', workers: 2, signal: ctl.signal,
    onRecords: (batch) => { for (const r of batch) seen.push(r.branch!); if (seen.length >= 40) ctl.abort(); },
  });
  assert.equal(res.cancelled, true);
  assert.ok(res.records.length >= 40 && res.records.length < res.total, `${res.records.length} of ${res.total}`);
  assert.equal(new Set(seen).size, seen.length);
  assert.deepEqual(res.records.map((r) => r.branch), seen);
  const full = await uninterrupted();
  assert.equal(full.length, res.total);
  // What finished is what an uninterrupted run has for those outages.
  const ref = new Map(full.map((r) => [r.branch!, r]));
  for (const r of res.records) assert.deepEqual(r, ref.get(r.branch!), `branch ${r.branch}`);
  // The rest computed later: exactly the missing outages are solved, none of the finished ones again,
  // and together they are the uninterrupted run's records.
  const missing = full.map((r) => r.branch!).filter((b) => !seen.includes(b));
  assert.equal(missing.length, res.total - seen.length);
  const solvedNow: number[] = [];
  const rest = await runN1({ caseText: text, fileName: 'case_ACTIVSg500.m', workers: 2, elements: missing, onRecords: (batch) => { for (const r of batch) solvedNow.push(r.branch!); } });
  assert.equal(rest.cancelled, false);
  assert.equal(rest.total, missing.length);
  assert.deepEqual([...solvedNow].sort((a, b) => a - b), missing, 'each missing outage solved once, no finished one redone');
  assert.deepEqual([...res.records, ...rest.records].sort(byElement), full);
});

test('a stored run cancelled part way keeps what finished; resuming it solves only the missing outages, to the records of an uninterrupted run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridrewire-n1-resume-'));
  const store = openStore(join(dir, 'n1.db'));
  try {
    const text = caseText('case_ACTIVSg500');
    const full = await uninterrupted();
    const asStored = full.map((r) => ({ ...r, judgedBy: 'exact', probability: null }));
    const ctl = new AbortController();
    const part = await runStoredN1(store, { caseText: text, fileName: 'case_ACTIVSg500.m', mode: 'ac', kind: 'branch' }, {
      workers: 2, signal: ctl.signal, onProgress: (p) => { if (p.done >= 40) ctl.abort(); },
    });
    assert.equal(part.cancelled, true);
    assert.equal(part.total, full.length);
    assert.ok(part.computed >= 40 && part.computed < part.total, `${part.computed} of ${part.total}`);
    // Every finished record is kept, each once, as the uninterrupted run has it.
    assert.equal(part.records.length, part.computed);
    assert.equal(store.n1.getRun(part.runId)!.status, 'cancelled');
    assert.equal(store.n1.getRun(part.runId)!.done, part.computed);
    const ref = new Map(asStored.map((r) => [r.branch!, r]));
    for (const r of part.records) assert.deepEqual(r, ref.get(r.branch!), `branch ${r.branch}`);
    const missing = store.n1.missingElements(part.runId);
    assert.equal(missing.length, part.total - part.computed);
    const kept = new Set(part.records.map((r) => r.branch!));
    assert.ok(missing.every((b) => !kept.has(b)));
    // The resume solves the missing ones only (a redone outage would be counted in `computed` and its progress).
    const progress: { done: number; total: number }[] = [];
    const done = await resumeStoredN1(store, part.runId, { workers: 2, onProgress: (p) => progress.push(p) });
    assert.equal(done.cancelled, false);
    assert.equal(done.computed, missing.length);
    assert.equal(progress.at(-1)!.done, missing.length);
    assert.ok(progress.every((p) => p.total === missing.length), 'the resumed session counts the missing outages only');
    assert.equal(store.n1.getRun(part.runId)!.status, 'done');
    assert.deepEqual(store.n1.missingElements(part.runId), []);
    assert.deepEqual(done.records, asStored);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad element lists and unsolvable base cases are refused before any work', async () => {
  const text = caseText('case14');
  await assert.rejects(runN1({ caseText: text, fileName: 'case14.m', elements: [1, 99] }), (e: Error) => e instanceof ContingencyError && /branch 99 does not exist in case14: it has 20 branches/.test(e.message));
  await assert.rejects(runN1({ caseText: text, fileName: 'case14.m', elements: [2, 2] }), /listed twice/);
  await assert.rejects(runN1({ caseText: text, fileName: 'case14.m', kind: 'gen', elements: [6] }), /generator 6 does not exist/);
  await assert.rejects(runN1({ caseText: text, fileName: 'case14.m', mode: 'dc', kind: 'gen' }), /DC screening covers branch outages only/);
  const heavy = text.replace(/mpc\.bus = \[([\s\S]*?)\];/, (m) => m.replace(/^(\s*\d+\s+\d+\s+)([\d.]+)/gm, (_s, a, pd) => `${a}${Number(pd) * 10}`));
  await assert.rejects(runN1({ caseText: heavy, fileName: 'heavy.m' }), (e: Error) => e instanceof BaseCaseError);
});

test('ranking puts the worst first', async () => {
  const res = await runN1({ caseText: caseText('case30'), fileName: 'case30.m' });
  const ranked = rankRecords(res.records);
  for (let i = 1; i < ranked.length; i++) assert.ok(ranked[i - 1].severity >= ranked[i].severity);
  assert.notEqual(ranked[0].verdict, 'secure');
});
