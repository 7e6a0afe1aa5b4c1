// AC and DC power flow against MATPOWER 8 results in ../shared/reference.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPowerFlow } from '../../main/core/grid/powerflow';
import { loadCase, loadReference, referenceNames, maxAbsDiff } from '../helpers/shared';

for (const name of referenceNames()) {
  test(`${name}: AC power flow equals MATPOWER (voltages 1e-6, angles 1e-4 deg, flows 1e-4 MW, same iterations)`, () => {
    const ref = loadReference(name);
    const r = runPowerFlow(loadCase(name));
    assert.equal(r.converged, ref.base.success);
    assert.equal(r.iterations, ref.base.iterations);
    assert.ok(r.mismatch < 1e-8);
    assert.ok(maxAbsDiff(r.vm, ref.base.vm) < 1e-6, 'vm');
    assert.ok(maxAbsDiff(r.va, ref.base.va) < 1e-4, 'va');
    for (const k of ['pf', 'qf', 'pt', 'qt', 'pg', 'qg'] as const) assert.ok(maxAbsDiff(r[k], ref.base[k]) < 1e-4, k);
  });

  test(`${name}: DC power flow equals MATPOWER`, () => {
    const ref = loadReference(name);
    const r = runPowerFlow(loadCase(name), { dc: true });
    assert.ok(maxAbsDiff(r.va, ref.dc.va) < 1e-4, 'dc va');
    assert.ok(maxAbsDiff(r.pf, ref.dc.pf) < 1e-4, 'dc pf');
    // Lossless: what leaves one end arrives at the other.
    for (let i = 0; i < r.pf.length; i++) assert.equal(r.pt[i], -r.pf[i]);
  });
}
