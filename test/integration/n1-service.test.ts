// runN1 across threads: worker results equal in-process results, progress
// streams, cancel keeps exactly what finished, bad requests are refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runN1, rankRecords } from '../../main/services/n1';
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

test('cancel keeps the finished records, each once, and stops early', async () => {
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
  // The rest can be computed later, without redoing any.
  const rest = (await runN1({ caseText: text, fileName: 'case_ACTIVSg500.m', workers: 1 })).records.filter((r) => !seen.includes(r.branch!));
  assert.equal(rest.length + seen.length, res.total);
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
