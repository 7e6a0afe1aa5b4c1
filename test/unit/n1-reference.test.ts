// The N-1 engine against MATPOWER-computed verdicts in ../shared/reference.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { N1Engine } from '../../main/core/grid/contingency';
import { loadCase, loadReference, referenceNames } from '../helpers/shared';

for (const name of referenceNames()) {
  test(`${name}: every contingency record equals the reference`, () => {
    const ref = loadReference(name);
    const e = N1Engine.forCase(loadCase(name));
    assert.equal(e.base.iterations, ref.base.iterations);
    assert.equal(e.base.nOverloads, ref.base.nOverloads);
    assert.equal(e.base.nVoltageViolations, ref.base.nVoltageViolations);
    assert.ok(Math.abs(e.base.maxLoading - ref.base.maxLoading) < 1e-4);
    assert.deepEqual(e.defaultBranches(), ref.contingencies.map((x) => x.branch));
    for (const x of ref.contingencies) {
      const r = e.branchOutage(x.branch);
      const at = `${name} branch ${x.branch}`;
      assert.equal(r.verdict, x.verdict, at);
      assert.equal(r.from, x.from, at); assert.equal(r.to, x.to, at);
      assert.equal(r.converged, x.converged, at);
      assert.equal(r.iterations, x.iterations, at);
      assert.equal(r.islanded, x.islanded, at);
      assert.equal(r.cutBuses, x.cutBuses, at);
      assert.ok(Math.abs(r.lostLoadMW - x.lostLoadMW) < 1e-6, at);
      assert.ok(Math.abs(r.lostGenMW - x.lostGenMW) < 1e-4, at);
      assert.ok(Math.abs(r.maxLoading - x.maxLoading) < 1e-4, `${at}: maxLoading ${r.maxLoading} vs ${x.maxLoading}`);
      assert.equal(r.nOverloads, x.nOverloads, at);
      assert.equal(r.worstBranch ?? undefined, x.worstBranch, at);
      assert.ok(Math.abs(r.minVm - x.minVm) < 1e-6, at);
      assert.ok(Math.abs(r.maxVm - x.maxVm) < 1e-6, at);
      assert.equal(r.nVoltageViolations, x.nVoltageViolations, at);
    }
  });
}

test('the engine leaves no trace: the same outage twice gives the same record', () => {
  const e = N1Engine.forCase(loadCase('case30'));
  const a = e.branchOutage(10), b = e.branchOutage(3), c = e.branchOutage(10);
  assert.deepEqual(a, c);
  assert.notDeepEqual(a, b);
});
