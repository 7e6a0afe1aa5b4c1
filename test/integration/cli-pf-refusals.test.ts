// gridrewire pf on cases that do not solve, as a user meets them: a base case
// that does not converge reports no flows from its failed iterate; a
// zero-impedance branch and a network that splits without a reference bus
// are refused before solving.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli';
import { loadCase } from '../helpers/shared';
import { writeMatpower } from '../../main/core/grid/matpower';
import { BR_R, BR_STATUS, BR_X, PD, QD } from '../../main/core/grid/idx';
import type { Case } from '../../main/core/grid/case';

const tmp = mkdtempSync(join(tmpdir(), 'gridrewire-pf-'));
const file = (name: string, c: Case) => { const p = join(tmp, `${name}.m`); writeFileSync(p, writeMatpower({ ...c, name })); return p; };

test('pf on a base case that does not converge prints its status and no flows, losses or voltages', () => {
  const c = loadCase('case14');
  const heavy = file('heavy14', { ...c, bus: c.bus.map((row) => row.map((v, j) => (j === PD || j === QD ? v * 8 : v))) });
  const text = cli(['pf', heavy]);
  assert.equal(text.code, 3, text.stderr);
  assert.match(text.stdout, /DID NOT CONVERGE \((max-iterations|singular|non-finite)\) after \d+ iterations/);
  assert.match(text.stdout, /no flows, losses or voltages/);
  assert.doesNotMatch(text.stdout, /losses [\d.]+ MW|voltage min|max loading|generation [\d.-]+ MW/);
  const json = cli(['pf', heavy, '--json']);
  assert.equal(json.code, 3);
  const j = JSON.parse(json.stdout);
  assert.equal(j.converged, false);
  assert.ok(typeof j.status === 'string' && j.iterations > 0);
  assert.deepEqual(Object.keys(j).sort(), ['case', 'converged', 'iterations', 'mismatch', 'mode', 'seconds', 'status']);
});

test('pf refuses a zero-impedance branch before solving, naming the branch', () => {
  const c = loadCase('case9');
  const zero = file('zero9', { ...c, branch: c.branch.map((r, i) => (i === 1 ? r.map((v, j) => (j === BR_R || j === BR_X ? 0 : v)) : r)) });
  // The branch matrix's second row, where the writer put it.
  const line = readFileSync(zero, 'utf8').split('\n').findIndex((l) => l.startsWith('mpc.branch = [')) + 3;
  for (const args of [['pf', zero], ['pf', zero, '--dc'], ['n1', zero]]) {
    const r = cli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`zero9\\.m:${line}:\\d+: branch 2 \\(4-5\\) has zero impedance \\(BR_R = BR_X = 0\\)`));
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line, no stack trace');
  }
});

test('pf refuses a network that splits without a reference bus, naming the island', () => {
  const c = loadCase('case9');
  // Bus 3 hangs on one transformer (branch 4): out of service, bus 3 and its generator are alone.
  const split = file('split9', { ...c, branch: c.branch.map((r, i) => (i === 3 ? r.map((v, j) => (j === BR_STATUS ? 0 : v)) : r)) });
  const r = cli(['pf', split]);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /bus 3 is cut off without a reference bus/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});
