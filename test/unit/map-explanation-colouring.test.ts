// The map coloured by an explanation: attribution per bus and branch, and
// the physics' change of flow, on a diverging scale symmetric about zero.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GridExplanation, GridGraph, PhysicsExplanation } from '../../main/api';
import { scaleColor } from '../../renderer/map/colouring';
import { attributionColouring, divergingColor, DIVERGING_STOPS, physicsColouring, scaleReach, signedRoot } from '../../renderer/map/explanation-colouring';

function graph(): GridGraph {
  const bus = (id: number) => ({ id, type: 1, pd: 10, qd: 0, vmax: 1.1, vmin: 0.9, baseKV: 138, name: `B${id}` });
  const br = (row: number, from: number, to: number) => ({ row, from, to, rateA: 100, inService: true, r: 0.01, x: 0.1, ratio: 0, shift: 0 });
  return { name: 't', baseMVA: 100, layout: null, buses: [bus(1), bus(2), bus(3), bus(4)], branches: [br(1, 1, 2), br(2, 2, 3), br(3, 3, 4), br(4, 4, 1)], gens: [] };
}

function grid(branches: [number, number][], buses: [number, number][]): GridExplanation {
  return {
    baseline: 'base', steps: 8, evaluations: 8, fx: 0, fBaseline: 0, sum: 0, gap: 0, features: [], touched: 0,
    branches: branches.map(([branch, attribution]) => ({ branch, from: 0, to: 0, attribution })),
    buses: buses.map(([row, attribution]) => ({ bus: row, row, attribution })),
  };
}

test('the diverging scale: grey at zero, red above, blue below, full colour at the reach, on a square-root axis', () => {
  assert.equal(divergingColor(0, 2), '#e4e7ec');
  assert.equal(divergingColor(2, 2), '#b91c1c');
  assert.equal(divergingColor(5, 2), '#b91c1c', 'clipped');
  assert.equal(divergingColor(-2, 2), '#1d4ed8');
  assert.equal(divergingColor(0.5, 2), scaleColor(DIVERGING_STOPS, 0.5), 'a quarter of the reach is half way along');
  assert.equal(signedRoot(-0.02, 2), -0.1, 'a hundredth of the reach still shows (a tenth of the way)');
  assert.equal(signedRoot(1, 0), 0, 'no reach: all grey');
  const red = parseInt(divergingColor(1.5, 2).slice(1, 3), 16), blue = parseInt(divergingColor(-1.5, 2).slice(5, 7), 16);
  assert.ok(red > 200 && blue > 200);
});

test('the reach is the largest magnitude', () => {
  assert.equal(scaleReach([]), 0);
  assert.equal(scaleReach([0.5, -3, 1, NaN]), 3);
});

test('attribution: listed branches and buses coloured by sign and size, the rest grey and thin; a legend that says which side is which', () => {
  const g = graph();
  const { colouring, legends } = attributionColouring(g, grid([[2, 0.8], [4, -0.4]], [[3, 0.8], [1, -0.2]]));
  assert.equal(colouring.branchColor![1], divergingColor(0.8, 0.8));
  assert.equal(colouring.branchColor![3], divergingColor(-0.4, 0.8));
  assert.equal(colouring.branchColor![0], '#d0d5dd');
  const w = colouring.branchWidth as number[];
  assert.ok(w[1] > w[3] && w[3] > w[0]);
  assert.deepEqual(colouring.busColor, [divergingColor(-0.2, 0.8), '#98a2b3', divergingColor(0.8, 0.8), '#98a2b3']);
  assert.equal(legends.length, 1);
  const [legend] = legends;
  assert.ok(legend.kind === 'scale', `a scale legend, got ${legend.kind}`);
  assert.match(legend.title, /attribution/);
  assert.deepEqual(legend.ticks.map((t) => t.label), ['−0.80', '−0.20', '0', '+0.20', '+0.80']);
  assert.match(legend.note!, /towards insecure/);
});

test('physics: branches by the change of |flow| (more flow red, less blue), counted overloads thickest, unlisted grey', () => {
  const g = graph();
  const fc = (branch: number, preMW: number, postMW: number) => ({ branch, from: 0, to: 0, preMW, postMW, deltaMW: postMW - preMW, lodf: null, dcDeltaMW: null });
  const physics = {
    verdict: 'overload', maxLoading: 1.2, nOverloads: 1, worstBranch: 3, minVm: 1, maxVm: 1, nVoltageViolations: 0, islanded: false, cutBuses: 0, lostLoadMW: 0, lostGenMW: 0, converged: true,
    // Branch 2 reverses from -50 to +20 MW: its |flow| falls by 30 although deltaMW is +70.
    flowChange: [fc(3, 40, 100), fc(2, -50, 20)],
    overloaded: [{ branch: 3, loading: 1.2, countsAbove: 1 }], voltage: [],
  } satisfies PhysicsExplanation;
  const { colouring, legends } = physicsColouring(g, physics);
  assert.equal(colouring.branchColor![2], divergingColor(60, 60));
  assert.equal(colouring.branchColor![1], divergingColor(-30, 60));
  assert.equal(colouring.branchColor![0], '#d0d5dd');
  assert.equal(colouring.branchWidth![2], Math.max(...(colouring.branchWidth as number[])));
  assert.equal(legends.length, 1);
  const [legend] = legends;
  assert.ok(legend.kind === 'scale', `a scale legend, got ${legend.kind}`);
  assert.match(legend.title, /change of \|flow\|/);
  assert.match(legend.note!, /2 largest changes shown · thickest: 1 counted overload · square-root scale$/);
});
