// The command line as a user runs it: pf and n1, text and JSON, bad input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli';
import { CASES, loadCase, loadReference } from '../helpers/shared';
import { writeMatpower } from '../../main/core/grid/matpower';
import { BR_STATUS, GEN_STATUS, QMAX, QMIN, RATE_A } from '../../main/core/grid/idx';

const tmp = mkdtempSync(join(tmpdir(), 'gridrewire-cli-'));
/** MVAr: a generator's Q within this of a limit is at it. */
const Q_TOL = 1e-6;

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
  // case118: without the flag six generators (rows 9, 15, 16, 43, 46, 48) end outside
  // [QMIN, QMAX], so the flag has work to do; with it every generator is inside its range
  // and those six are held at a limit.
  const c118 = loadCase('case118');
  const outside = (gen: { row: number; qg: number }[]) => gen.filter((g) => { const row = c118.gen[g.row - 1]; return g.qg > row[QMAX] + Q_TOL || g.qg < row[QMIN] - Q_TOL; }).map((g) => g.row);
  const free = cli(['pf', join(CASES, 'case118.m'), '--json']);
  assert.equal(free.code, 0, free.stderr);
  assert.deepEqual(outside(JSON.parse(free.stdout).gen), [9, 15, 16, 43, 46, 48]);
  const q = cli(['pf', join(CASES, 'case118.m'), '--enforce-q-lims', '--json']);
  assert.equal(q.code, 0, q.stderr);
  const qj = JSON.parse(q.stdout);
  assert.equal(qj.converged, true);
  assert.ok(qj.mismatch < 1e-8, `mismatch ${qj.mismatch}`);
  assert.equal(qj.gen.length, c118.gen.length);
  assert.ok(c118.gen.every((row) => row[GEN_STATUS] > 0), 'every case118 generator is in service');
  assert.deepEqual(outside(qj.gen), [], 'every generator within [QMIN, QMAX]');
  const atLimit = qj.gen.filter((g: { row: number; qg: number }) => { const row = c118.gen[g.row - 1]; return Math.abs(g.qg - row[QMAX]) < Q_TOL || Math.abs(g.qg - row[QMIN]) < Q_TOL; }).map((g: { row: number }) => g.row);
  assert.deepEqual(atLimit, [9, 15, 16, 43, 46, 48]);
  const text = cli(['pf', join(CASES, 'case118.m'), '--enforce-q-lims']);
  assert.match(text.stdout, /generators at a reactive limit: rows 9, 15, 16, 43, 46, 48$/m);
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
  const c30 = loadCase('case30'), ref30 = loadReference('case30');
  // One record per branch (all 41 are in service), each branch once.
  assert.deepEqual(dc.contingencies.map((x: { branch: number }) => x.branch).sort((a: number, b: number) => a - b), c30.branch.map((_, i) => i + 1));
  for (const x of dc.contingencies) {
    // DC: no voltage magnitudes (all 1 p.u.), so no voltage verdict, and no Newton-Raphson to diverge.
    assert.ok(['islanded', 'overload', 'secure'].includes(x.verdict), `branch ${x.branch}: ${x.verdict}`);
    assert.deepEqual([x.minVm, x.maxVm, x.nVoltageViolations, x.converged], [1, 1, 0, true], `branch ${x.branch}`);
    assert.equal(x.verdict === 'overload', x.nOverloads > 0, `branch ${x.branch}`);
  }
  // Islanding is topology: the same outages, cut buses and lost MW as the AC reference.
  const isl = (rs: { branch: number; verdict: string; cutBuses: number; lostLoadMW: number; lostGenMW: number }[]) =>
    rs.filter((x) => x.verdict === 'islanded').map((x) => [x.branch, x.cutBuses, +x.lostLoadMW.toFixed(6), +x.lostGenMW.toFixed(6)]).sort((a, b) => a[0] - b[0]);
  assert.deepEqual(isl(dc.contingencies), isl(ref30.contingencies));
  // The loading of the three most loaded connected outages equals a DC power flow of the
  // case with that branch switched off (`pf --dc`), |Pf| / RATE_A.
  const dcLoading = (branch: number) => {
    const file = join(tmp, `case30_out${branch}.m`);
    const cut = { ...c30, branch: c30.branch.map((row, i) => (i === branch - 1 ? row.map((v, k) => (k === BR_STATUS ? 0 : v)) : row)) };
    writeFileSync(file, writeMatpower(cut));
    const pf = cli(['pf', file, '--dc', '--json']);
    assert.equal(pf.code, 0, pf.stderr);
    return Math.max(...JSON.parse(pf.stdout).branch.map((b: { pf: number }, i: number) => (cut.branch[i][BR_STATUS] !== 0 && cut.branch[i][RATE_A] > 0 ? Math.abs(b.pf) / cut.branch[i][RATE_A] : 0)));
  };
  const connected = dc.contingencies.filter((x: { verdict: string }) => x.verdict !== 'islanded').sort((a: { maxLoading: number }, b: { maxLoading: number }) => b.maxLoading - a.maxLoading);
  for (const x of connected.slice(0, 3)) assert.ok(Math.abs(x.maxLoading - dcLoading(x.branch)) < 1e-9, `branch ${x.branch}: ${x.maxLoading} vs pf --dc`);
  const gens = JSON.parse(cli(['n1', join(CASES, 'case30.m'), '--gens', '--json']).stdout);
  assert.ok(gens.contingencies.every((c: { gen?: number; branch?: number }) => c.gen !== undefined && c.branch === undefined));
  // The table's rows, read from the file: each takes one branch out of service.
  const contab = readFileSync(join(CASES, 'contab_ACTIVSg200.m'), 'utf8');
  const rows = [...contab.matchAll(/^\s*\d+\s+0\s+CT_TBRCH\s+(\d+)\s+BR_STATUS\s+CT_REP\s+0;$/gm)].map((m) => Number(m[1]));
  assert.equal(rows.length, (contab.match(/CT_TBRCH/g) ?? []).length, 'every table row is a branch outage of the form parsed');
  assert.equal(rows.length, 245);
  const tab = JSON.parse(cli(['n1', join(CASES, 'case_ACTIVSg200.m'), '--contingencies', join(CASES, 'contab_ACTIVSg200.m'), '--json']).stdout);
  assert.deepEqual(tab.contingencies.map((x: { branch: number }) => x.branch).sort((a: number, b: number) => a - b), [...rows].sort((a, b) => a - b));
  const ref200 = new Map(loadReference('case_ACTIVSg200').contingencies.map((x) => [x.branch, x.verdict]));
  for (const x of tab.contingencies) assert.equal(x.verdict, ref200.get(x.branch), `branch ${x.branch}`);
  // That table lists every branch, as the default set does: a table of three rows
  // (labels not equal to rows) solves those three outages and nothing else.
  const three = join(tmp, 'three.m');
  writeFileSync(three, 'function chgtab = three\ndefine_constants;\nchgtab = [\n\t1\t0\tCT_TBRCH\t158\tBR_STATUS\tCT_REP\t0;\n\t2\t0\tCT_TBRCH\t3\tBR_STATUS\tCT_REP\t0;\n\t3\t0\tCT_TBRCH\t77\tBR_STATUS\tCT_REP\t0;\n];\n');
  const sub = JSON.parse(cli(['n1', join(CASES, 'case_ACTIVSg200.m'), '--contingencies', three, '--json', '--quiet']).stdout);
  assert.deepEqual(sub.contingencies.map((x: { branch: number; verdict: string }) => [x.branch, x.verdict]).sort((a: [number], b: [number]) => a[0] - b[0]),
    [3, 77, 158].map((b) => [b, ref200.get(b)]));
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

test("n1's worst-first table shows no voltages for an outage it could not solve (the record's zeros are no |V|)", () => {
  // case2383wp: the outages of branches 466 and 469 diverge.
  const r = cli(['n1', join(CASES, 'case2383wp.m'), '--elements', '466,469,1', '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.split('\n').filter((l) => /\bdiverged\b/.test(l) && /^\s*\d+\s+\d+\s/.test(l));
  assert.equal(rows.length, 2, r.stdout);
  for (const l of rows) {
    const cells = l.trim().split(/\s+/);
    // rank, branch, from-to, verdict, severity, maxLoad%, overloads, worst, minVm, maxVm, ...
    assert.deepEqual([cells[3], cells[8], cells[9]], ['diverged', '-', '-'], l);
  }
  const j = JSON.parse(cli(['n1', join(CASES, 'case2383wp.m'), '--elements', '466,469', '--json', '--quiet']).stdout);
  // The JSON keeps the spec's record: converged false, minVm and maxVm 0.
  for (const x of j.contingencies) assert.deepEqual([x.verdict, x.converged, x.minVm, x.maxVm], ['diverged', false, 0, 0]);
});
