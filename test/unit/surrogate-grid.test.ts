// The surrogate's physics side: the post-contingency state agrees with the
// N-1 engine's records, islanding by topology agrees with its verdicts, the
// DC-LODF estimates agree with the DC screen, and labels and features are
// what the dataset stores.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { N1Engine } from '../../main/core/grid/contingency';
import { VERDICTS } from '../../main/core/grid/contingency-types';
import { ES, NS, OutageFeaturizer, RECORD_STRIDE, estimatedLoading, gridSignature, outageRecord, scenarioState, signatureMismatch, defaultFeatureOptions, dcFeatureOptions } from '../../main/core/grid/features';
import { DcScreen } from '../../main/core/grid/lodf';
import { compile } from '../../main/core/grid/network';
import { cutOff, gensAt, gridTopology, islandedByTopology, outageActive } from '../../main/core/grid/islands';
import { isRated } from '../../main/core/grid/limits';
import { LH, L_CONVERGED, L_INSECURE, L_ISLANDED, L_MAXLOADING, L_VERDICT, L_DCINSECURE, labelScenario } from '../../main/core/learn/grid-data';
import { caseNames, loadCase } from '../helpers/shared';

// One post-outage solver serves the N-1 records and the dataset's labels: for
// every shipped case, the labels labelScenario stores (verdict, islanded,
// every branch loading, every Vm) agree exactly with the records of an
// independent engine, and with what the records say of maxima and islands.
for (const name of caseNames()) {
  test(`${name}: the dataset's post-outage labels and the N-1 records agree exactly (loading, Vm, islands)`, () => {
    const c = loadCase(name);
    const engine = N1Engine.forCase(c);
    const net = engine.net;
    const topo = gridTopology(net);
    const islanded = islandedByTopology(net, topo);
    // Bridges (where islands are cut off) and other branches, up to 30 of each, spread over the case.
    const all = Array.from({ length: net.nl }, (_, k) => k);
    const spread = (xs: number[], n: number) => xs.filter((_, i) => i % Math.max(1, Math.ceil(xs.length / n)) === 0);
    const ks = [...spread(all.filter((k) => topo.isBridge[k]), 30), ...spread(all.filter((k) => !topo.isBridge[k]), 30)].sort((a, b) => a - b);
    const lab = labelScenario(c, defaultFeatureOptions, ks);
    let solvedOnes = 0;
    for (const o of lab.outages) {
      const rec = engine.branchOutage(o.row);
      const at = `${name} branch ${o.row}`;
      assert.equal(VERDICTS[o.labels[L_VERDICT]], rec.verdict, at);
      assert.equal(o.labels[L_ISLANDED] === 1, rec.verdict === 'islanded', at);
      assert.equal(islanded[o.k] === 1, rec.verdict === 'islanded', `${at}: topology`);
      assert.equal(o.labels[L_CONVERGED] === 1, rec.converged, at);
      assert.equal(o.labels[L_MAXLOADING], Math.fround(rec.maxLoading), at);
      const loads = o.labels.subarray(LH, LH + net.nl), vms = o.labels.subarray(LH + net.nl);
      if (!rec.converged) { assert.ok(loads.every(Number.isNaN) && vms.every(Number.isNaN), `${at}: nothing solved, nothing labelled`); continue; }
      const active = outageActive(net, topo, o.k);
      let maxL = 0, minVm = Infinity, maxVm = -Infinity;
      for (let e = 0; e < net.nl; e++) {
        const judged = e !== o.k && isRated(net.rateA[e]) && (!active || (active[net.f[e]] === 1 && active[net.t[e]] === 1));
        assert.equal(!Number.isNaN(loads[e]), judged, `${at}: branch ${e} labelled exactly when judged`);
        if (judged) maxL = Math.max(maxL, loads[e]);
      }
      for (const v of vms) if (!Number.isNaN(v)) { minVm = Math.min(minVm, v); maxVm = Math.max(maxVm, v); }
      // Labels are Float32: the maxima are those of the records, rounded.
      assert.equal(maxL, Math.fround(rec.maxLoading), `${at}: max loading`);
      assert.equal(minVm, Math.fround(rec.minVm), `${at}: min Vm`);
      assert.equal(maxVm, Math.fround(rec.maxVm), `${at}: max Vm`);
      assert.equal(vms.filter((v) => !Number.isNaN(v)).length, net.nb - rec.cutBuses, `${at}: Vm of the main island only`);
      solvedOnes++;
    }
    assert.ok(solvedOnes > 0);
  });
}

test('the post-outage state is the record\'s: detail, state and record of one outage agree (case30, every branch)', () => {
  const engine = N1Engine.forCase(loadCase('case30'));
  const net = engine.net;
  for (const row of engine.defaultBranches()) {
    const d = engine.branchOutageDetail(row);
    assert.deepEqual(d.record, engine.branchOutage(row));
    const k = net.branchOfRow[row - 1];
    assert.equal(d.state.branch, k);
    assert.ok(Number.isNaN(d.state.loading[k]) && Number.isNaN(d.loading[row - 1]), 'the outaged branch carries nothing');
    for (let e = 0; e < net.nl; e++) if (!isRated(net.rateA[e])) assert.ok(Number.isNaN(d.state.loading[e]));
    let maxL = 0;
    for (const L of d.loading) if (L > maxL) maxL = L;
    if (d.record.converged) assert.equal(maxL, d.record.maxLoading);
  }
});

test('islanding by topology equals the engine verdicts', () => {
  for (const name of ['case30', 'case_ACTIVSg200', 'case118']) {
    const engine = N1Engine.forCase(loadCase(name));
    const flags = islandedByTopology(engine.net, gridTopology(engine.net));
    let n = 0;
    for (let k = 0; k < engine.net.nl; k++) {
      const isl = engine.branchOutage(engine.net.branchRow[k] + 1).verdict === 'islanded';
      assert.equal(flags[k] === 1, isl, `${name} branch ${k}`);
      n += flags[k];
    }
    if (name === 'case_ACTIVSg200') assert.equal(n, 61); // 61 of its 245 outages cut off load or generation
  }
});

test('islanding in one search equals the per-branch search (every shipped case)', () => {
  for (const name of caseNames()) {
    const net = compile(loadCase(name));
    const topo = gridTopology(net);
    const fast = islandedByTopology(net, topo);
    const genAt = gensAt(net), genMW = new Float64Array(net.ng);
    for (let k = 0; k < net.nl; k++) {
      const cut = cutOff(net, topo, outageActive(net, topo, k), genMW, genAt);
      assert.equal(fast[k] === 1, cut.carries || cut.referenceLost, `${name} branch ${k}`);
    }
  }
});

test('outage records: the WebAssembly solve-and-scan gives the TypeScript records bit for bit', () => {
  for (const name of ['case118', 'case_ACTIVSg200', 'case_ACTIVSg500']) {
    const engine = N1Engine.forCase(loadCase(name));
    const s = scenarioState(engine), screen = new DcScreen(engine.net);
    const wasm = new OutageFeaturizer(s, screen), js = new OutageFeaturizer(s, screen, defaultFeatureOptions, 'js');
    assert.equal(wasm.kernel, 'wasm');
    assert.equal(js.kernel, 'js');
    let listed = 0;
    for (let k = 0; k < engine.net.nl; k++) {
      const a = wasm.record(k), b = js.record(k);
      assert.deepEqual(a, b, `${name} branch ${k}`);
      listed += a[1];
    }
    assert.ok(listed > engine.net.nl, `${name}: records list branches (${listed})`);
  }
});

test('DC-LODF estimates: the listed flow changes are the DC screen\'s, scaled to the AC flow of the outaged branch', () => {
  const engine = N1Engine.forCase(loadCase('case_ACTIVSg200'));
  const net = engine.net, s = scenarioState(engine);
  const screen = new DcScreen(net);
  const dcFlows = new Float64Array(net.nl);
  const opts = { ...dcFeatureOptions, nearLoading: 0.5 };
  let listed = 0, featured = 0;
  for (let k = 0; k < net.nl; k += 7) {
    const rec = outageRecord(s, screen, k, opts);
    assert.equal(rec[0], k);
    const n = rec[1];
    assert.equal(rec.length, 2 + RECORD_STRIDE * n);
    if (screen.isBridge[k]) { assert.equal(n, 0); continue; }
    screen.outageFlows(k, dcFlows);
    const pk = (s.pf[k] - s.pt[k]) / 2;
    let nf = 0;
    for (let j = 0; j < n; j++) {
      const o = 2 + RECORD_STRIDE * j;
      const e = rec[o], dpNorm = rec[o + 1], est = rec[o + 2], feat = rec[o + 3];
      const rateRef = isRated(net.rateA[e]) ? net.rateA[e] / net.baseMVA : 1;
      // DC: flows - f0 = LODF(:,k) * f0[k]  =>  LODF = (flows - f0) / f0[k]
      const lodf = (dcFlows[e] - screen.f0[e]) / screen.f0[k];
      assert.ok(Math.abs(dpNorm * rateRef - lodf * pk) < 1e-5 * Math.max(1, Math.abs(lodf * pk)), `branch ${k} -> ${e}`);
      if (isRated(net.rateA[e])) assert.ok(Math.abs(est - estimatedLoading(s, e, lodf * pk)) < 1e-4);
      if (j > 0) assert.ok(rec[o] > rec[o - RECORD_STRIDE], 'listed in branch order');
      // Listed: a visible change, or featured (near the limit).
      assert.ok(Math.abs(dpNorm) >= opts.offsetThreshold - 1e-7 || feat === 1);
      if (feat) { nf++; assert.ok(est >= opts.nearLoading && Math.abs(dpNorm) >= opts.nearThreshold - 1e-7); }
      listed++;
    }
    assert.ok(nf <= opts.maxFeatured);
    featured += nf;
  }
  assert.ok(listed > 20 && featured > 0, `${listed} listed, ${featured} featured`);
});

test('labels equal the N-1 engine verdicts; features are finite', () => {
  const c = loadCase('case_ACTIVSg200');
  const engine = N1Engine.forCase(c);
  const net = engine.net;
  const ks = Array.from({ length: 50 }, (_, i) => i * 4);
  const lab = labelScenario(c, defaultFeatureOptions, ks);
  assert.equal(lab.static.length, net.nb * NS + net.nl * ES);
  assert.ok(lab.static.every(Number.isFinite), 'static features finite');
  const screen = new DcScreen(net);
  for (const o of lab.outages) {
    const rec = engine.branchOutage(o.row);
    assert.equal(VERDICTS[o.labels[L_VERDICT]], rec.verdict);
    assert.equal(o.labels[L_INSECURE], rec.verdict === 'secure' ? 0 : 1);
    assert.equal(o.labels[L_ISLANDED], rec.verdict === 'islanded' ? 1 : 0);
    assert.equal(o.labels[L_DCINSECURE], screen.branchOutage(o.row).verdict === 'secure' ? 0 : 1);
    assert.ok(o.record.every(Number.isFinite), 'outage record finite');
    // Loading targets: finite exactly on rated, present, solved branches.
    for (let e = 0; e < net.nl; e++) {
      const t = o.labels[LH + e];
      if (Number.isFinite(t)) assert.ok(isRated(net.rateA[e]) && e !== o.k && t >= 0);
    }
  }
});

test('grid signature: same grid matches, another grid or changed branch is refused with a reason', () => {
  const net = compile(loadCase('case30'));
  const sig = gridSignature(net);
  assert.equal(signatureMismatch(sig, compile(loadCase('case30'))), null);
  assert.match(signatureMismatch(sig, compile(loadCase('case39')))!, /39 in-service buses.*30/);
  const c = loadCase('case30');
  const moved = { ...c, branch: c.branch.map((r, i) => (i === 3 ? [r[0], 30, ...r.slice(2)] : r)) };
  assert.match(signatureMismatch(sig, compile(moved))!, /branch row 4 joins buses/);
});
