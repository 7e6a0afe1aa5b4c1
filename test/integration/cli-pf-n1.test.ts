// The command line as a user runs it: pf and n1, text and JSON, bad input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli';
import { CASES, loadReference } from '../helpers/shared';

const tmp = mkdtempSync(join(tmpdir(), 'gridrewire-cli-'));

test('pf prints a readable summary', () => {
  const r = cli(['pf', join(CASES, 'case30.m')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /converged in 3 iterations/);
  assert.match(r.stdout, /losses [\d.]+ MW/);
  assert.match(r.stdout, /voltage min [\d.]+ p\.u\. at bus \d+, max [\d.]+ p\.u\. at bus \d+/);
  assert.match(r.stdout, /max loading [\d.]+% on branch \d+/);
});

test('pf --json has the documented shape and MATPOWER values', () => {
  const r = cli(['pf', join(CASES, 'case14.m'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  const ref = loadReference('case14');
  assert.equal(j.converged, true);
  assert.equal(j.iterations, ref.base.iterations);
  assert.ok(j.mismatch < 1e-8);
  assert.equal(j.bus.length, 14);
  assert.deepEqual(Object.keys(j.bus[0]), ['bus_i', 'vm', 'va']);
  assert.deepEqual(Object.keys(j.branch[0]), ['row', 'pf', 'qf', 'pt', 'qt']);
  assert.deepEqual(Object.keys(j.gen[0]), ['row', 'pg', 'qg']);
  j.bus.forEach((b: { vm: number }, i: number) => assert.ok(Math.abs(b.vm - ref.base.vm[i]) < 1e-6));
  j.branch.forEach((b: { row: number; pf: number }, i: number) => { assert.equal(b.row, i + 1); assert.ok(Math.abs(b.pf - ref.base.pf[i]) < 1e-4); });
});

test('pf --dc and --enforce-q-lims', () => {
  const dc = JSON.parse(cli(['pf', join(CASES, 'case14.m'), '--dc', '--json']).stdout);
  const ref = loadReference('case14');
  dc.branch.forEach((b: { pf: number }, i: number) => assert.ok(Math.abs(b.pf - ref.dc.pf[i]) < 1e-4));
  const q = cli(['pf', join(CASES, 'case118.m'), '--enforce-q-lims']);
  assert.equal(q.code, 0, q.stderr);
  assert.match(q.stdout, /converged/);
});

test('pf: bad input exits non-zero with the error on stderr', () => {
  const bad = join(tmp, 'bad.m');
  writeFileSync(bad, 'function mpc = bad\nmpc.baseMVA = 100;\nmpc.bus = [1 3 0 0 0 0 1 1 0 135 1 1.05 0.95;\n 2 1 0 0 0 0 1 1 0 135 1 1.05 0.95\n');
  const r = cli(['pf', bad]);
  assert.notEqual(r.code, 0);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /bad\.m:\d+:\d+: /);
  const missing = cli(['pf', join(tmp, 'nope.m')]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /no such file/);
  const usage = cli(['pf']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /usage: gridrewire pf/);
  const unknown = cli(['pf', join(CASES, 'case14.m'), '--fast']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown option --fast/);
  assert.equal(cli(['frobnicate']).code, 2);
});

test('n1 --json carries the spec fields, ranked worst first, equal to the reference', () => {
  const r = cli(['n1', join(CASES, 'case39.m'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.case, 'case39');
  assert.equal(j.mode, 'ac');
  assert.ok(j.seconds > 0);
  const ref = loadReference('case39');
  assert.equal(j.contingencies.length, ref.contingencies.length);
  for (const k of ['branch', 'from', 'to', 'verdict', 'converged', 'iterations', 'cutBuses', 'lostLoadMW', 'lostGenMW', 'maxLoading', 'nOverloads', 'minVm', 'maxVm', 'nVoltageViolations', 'severity']) {
    assert.ok(k in j.contingencies[0], k);
  }
  for (let i = 1; i < j.contingencies.length; i++) assert.ok(j.contingencies[i - 1].severity >= j.contingencies[i].severity);
  const byBranch = new Map(j.contingencies.map((c: { branch: number }) => [c.branch, c]));
  for (const x of ref.contingencies) {
    const c = byBranch.get(x.branch) as { verdict: string; worstBranch?: number };
    assert.equal(c.verdict, x.verdict);
    assert.equal(c.worstBranch, x.worstBranch);
  }
  assert.match(r.stderr, /N-1 case39/); // progress on stderr
});

test('n1 text summary, CSV export, DC mode, generator outages, contingency table', () => {
  const csv = join(tmp, 'out.csv');
  const r = cli(['n1', join(CASES, 'case30.m'), '--csv', csv, '--workers', '2']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /verdicts: .*secure \d+/);
  assert.match(r.stdout, /DC-LODF screen vs AC: agrees on \d+\/41/);
  assert.match(r.stdout, /worst first:/);
  const lines = readFileSync(csv, 'utf8').trim().split(/\r\n/);
  assert.equal(lines.length, 42);
  assert.match(lines[0], /^branch,from,to,verdict,severity/);
  const dc = JSON.parse(cli(['n1', join(CASES, 'case30.m'), '--mode', 'dc', '--json']).stdout);
  assert.equal(dc.mode, 'dc');
  const gens = JSON.parse(cli(['n1', join(CASES, 'case30.m'), '--gens', '--json']).stdout);
  assert.ok(gens.contingencies.every((c: { gen?: number; branch?: number }) => c.gen !== undefined && c.branch === undefined));
  const tab = JSON.parse(cli(['n1', join(CASES, 'case_ACTIVSg200.m'), '--contingencies', join(CASES, 'contab_ACTIVSg200.m'), '--json']).stdout);
  assert.ok(tab.contingencies.length > 0);
});

test('n1 --elements solves the chosen outages; unknown ones are refused', () => {
  const r = cli(['n1', join(CASES, 'case14.m'), '--elements', '1,3-5', '--json', '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).contingencies.map((c: { branch: number }) => c.branch).sort((a: number, b: number) => a - b), [1, 3, 4, 5]);
  const bad = cli(['n1', join(CASES, 'case14.m'), '--elements', '2,21']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /branch 21 does not exist in case14: it has 20 branches/);
  const gen = cli(['n1', join(CASES, 'case14.m'), '--gens', '--elements', '9']);
  assert.match(gen.stderr, /generator 9 does not exist/);
  const junk = cli(['n1', join(CASES, 'case14.m'), '--elements', '2,x']);
  assert.equal(junk.code, 2);
  assert.match(junk.stderr, /'x' is not a branch row or range/);
});

test('n1: bad requests are clear errors with a non-zero exit', () => {
  const wrongTable = cli(['n1', join(CASES, 'case14.m'), '--contingencies', join(CASES, 'contab_ACTIVSg200.m')]);
  assert.notEqual(wrongTable.code, 0);
  assert.match(wrongTable.stderr, /another case/);
  const mode = cli(['n1', join(CASES, 'case14.m'), '--mode', 'ab']);
  assert.equal(mode.code, 2);
  assert.match(mode.stderr, /--mode must be ac, dc or screen/);
  const heavy = join(tmp, 'heavy.m');
  writeFileSync(heavy, readFileSync(join(CASES, 'case14.m'), 'utf8').replace(/mpc\.bus = \[([\s\S]*?)\];/, (m) => m.replace(/^(\s*\d+\s+\d+\s+)([\d.]+)/gm, (_s, a, pd) => `${a}${Number(pd) * 10}`)));
  const base = cli(['n1', heavy]);
  assert.notEqual(base.code, 0);
  assert.match(base.stderr, /base case does not converge .*mismatch/);
});
