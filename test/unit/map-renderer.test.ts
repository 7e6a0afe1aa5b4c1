// The map's pure renderer modules, in Node: the spatial index behind hover
// and clicks (against a scan of every element), the colour scales and the
// panel's colouring, the hover details, the bus search, the render mode.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GridGraph } from '../../main/api';
import { SpatialIndex, segmentDistance } from '../../renderer/map/spatial';
import {
  busMW, DEFAULT_BRANCH, loadingColor, mix, panelColouring, scaleColor, sizesFor, VIOLATION_RING, VOLTAGE_STOPS,
} from '../../renderer/map/colouring';
import { branchDetails, busDetails, findBuses } from '../../renderer/map/details';
import { LARGE_GRID, renderModeFor } from '../../renderer/map/render-mode';
import { Rng } from '../../main/core/learn/rng';

test('the spatial index finds what a scan of every bus and branch finds', () => {
  const rng = new Rng(5);
  const n = 600;
  const xy = Float64Array.from({ length: 2 * n }, () => rng.float() * 1000 - 200);
  const ends: number[] = [];
  for (let i = 0; i < 900; i++) ends.push(rng.int(n), rng.int(n));
  ends.push(0, 1); // and one long branch across the map
  xy.set([-200, -200, 800, 800], 0);
  const edges = Int32Array.from(ends);
  const index = new SpatialIndex({ xy, edges });
  for (let q = 0; q < 400; q++) {
    const x = rng.float() * 1100 - 250, y = rng.float() * 1100 - 250, r = 5 + rng.float() * 40;
    let node = -1, nd = r;
    for (let i = 0; i < n; i++) { const d = Math.hypot(xy[2 * i] - x, xy[2 * i + 1] - y); if (d <= nd) { nd = d; node = i; } }
    let edge = -1, ed = r;
    for (let e = 0; e < edges.length / 2; e++) {
      const d = segmentDistance(x, y, xy[2 * edges[2 * e]], xy[2 * edges[2 * e] + 1], xy[2 * edges[2 * e + 1]], xy[2 * edges[2 * e + 1] + 1]);
      if (d <= ed) { ed = d; edge = e; }
    }
    assert.equal(index.nearestNode(x, y, r), node, `node near ${x}, ${y}`);
    assert.equal(index.nearestEdge(x, y, r), edge, `edge near ${x}, ${y}`);
  }
  const inBox = index.nodesIn(100, 300, 0, 150);
  const scan = [];
  for (let i = 0; i < n; i++) if (xy[2 * i] >= 0 && xy[2 * i] <= 100 && xy[2 * i + 1] >= 150 && xy[2 * i + 1] <= 300) scan.push(i);
  assert.deepEqual(inBox, scan);
  // The long branch is found in its middle, far from both its ends.
  assert.equal(index.nearestEdge(300, 300, 2), edges.length / 2 - 1);
});

test('segment distance: to the nearest point of the segment, ends included', () => {
  assert.equal(segmentDistance(5, 3, 0, 0, 10, 0), 3);
  assert.equal(segmentDistance(-3, 4, 0, 0, 10, 0), 5);
  assert.equal(segmentDistance(13, 4, 0, 0, 10, 0), 5);
  assert.equal(segmentDistance(1, 1, 2, 2, 2, 2), Math.SQRT2);
});

test('colour scales: loading bands, the diverging voltage scale, mixing', () => {
  assert.equal(loadingColor(null), DEFAULT_BRANCH);
  assert.equal(loadingColor(0.3), '#12b76a');
  assert.equal(loadingColor(0.75), '#eaaa08');
  assert.equal(loadingColor(0.95), '#f79009');
  assert.equal(loadingColor(1.2), '#d92d20');
  assert.equal(loadingColor(1), '#f79009', 'exactly at the rating is not above it');
  assert.equal(mix('#000000', '#ffffff', 0.5), '#808080');
  assert.equal(scaleColor(VOLTAGE_STOPS, 1.0), '#98a2b3');
  assert.equal(scaleColor(VOLTAGE_STOPS, 0.5), VOLTAGE_STOPS[0].color, 'clipped below');
  assert.equal(scaleColor(VOLTAGE_STOPS, 2), VOLTAGE_STOPS[4].color, 'clipped above');
  assert.equal(scaleColor(VOLTAGE_STOPS, 1.025), mix('#98a2b3', '#f59e0b', (1.025 - 1) / 0.05));
  assert.throws(() => mix('red', '#000000', 0.5), /not a #rrggbb colour: red/);
});

function smallGraph(): GridGraph {
  return {
    name: 't', baseMVA: 100, layout: null,
    buses: [
      { id: 1, type: 3, pd: 0, qd: 0, vmax: 1.05, vmin: 0.95, baseKV: 345, name: 'NORTH 1', vm: 1.02 },
      { id: 2, type: 1, pd: 90, qd: 30, vmax: 1.05, vmin: 0.95, baseKV: 345, name: 'Riverside', vm: 1 },
      { id: 7, type: 2, pd: 10, qd: 5, vmax: 1.05, vmin: 0.95, baseKV: 13.8, name: 'north 7 gen' },
    ],
    branches: [
      { row: 1, from: 1, to: 2, rateA: 100, inService: true, r: 0.01, x: 0.085, b: 0.176, ratio: 0, shift: 0 },
      { row: 2, from: 2, to: 7, rateA: 0, inService: true, r: 0, x: 0.0625, ratio: 1.025, shift: 0 },
    ],
    gens: [{ row: 1, bus: 1, pg: 72, inService: true, qg: 27 }, { row: 2, bus: 7, pg: 30, inService: true, qg: 10 }, { row: 3, bus: 7, pg: 40, inService: false }],
  };
}

test("the panel's colouring: branches by loading, buses by voltage with rings outside limits, sizes by MW", () => {
  const g = smallGraph();
  const none = panelColouring(g, { loading: null, vm: null, label: null }, { colourBuses: 'voltage', sizeBy: 'none' });
  assert.deepEqual(none, { colouring: {}, legends: [] });
  const { colouring, legends } = panelColouring(g, { loading: [0.95, null], vm: [1.0, 0.94, null], label: 'after outage of branch 3' }, { colourBuses: 'voltage', sizeBy: 'generation' });
  assert.deepEqual(colouring.branchColor, ['#f79009', DEFAULT_BRANCH]);
  assert.deepEqual(colouring.busColor, [scaleColor(VOLTAGE_STOPS, 1.0), scaleColor(VOLTAGE_STOPS, 0.94), null]);
  assert.deepEqual(colouring.busRing, [null, VIOLATION_RING, null]);
  assert.deepEqual(legends.map((l) => l.title), ['branch loading after outage of branch 3', 'bus voltage (p.u.) after outage of branch 3', 'bus size: generation']);
  // Generation in service only: bus 7 has 30 MW (its second unit is out), bus 1 72 MW.
  assert.deepEqual(busMW(g, 'generation'), [72, 0, 30]);
  assert.deepEqual(busMW(g, 'load'), [0, 90, 10]);
  const { sizes, largest } = sizesFor([72, 0, 30]);
  assert.equal(largest, 72);
  assert.equal(sizes[0], 34);
  assert.equal(sizes[1], 5);
  assert.ok(Math.abs(sizes[2] - (5 + 29 * Math.sqrt(30 / 72))) < 1e-12, 'area proportional to MW');
  assert.deepEqual(colouring.busSize, sizes);
  const plain = panelColouring(g, { loading: null, vm: [1, 1, 1], label: null }, { colourBuses: 'none', sizeBy: 'none' });
  assert.equal(plain.colouring.busColor, undefined);
});

test('hover details of a bus and a branch, from the case and from a power flow', () => {
  const g = smallGraph();
  const bus = busDetails(g, 2, {});
  assert.equal(bus.title, 'Bus 7');
  assert.deepEqual(Object.fromEntries(bus.rows), {
    name: 'north 7 gen', 'base kV': '13.8 kV', type: 'PV (generator)', load: '10.0 MW, 5.0 MVAr',
    generation: '30.0 MW, 10.0 MVAr (1 unit)', 'Vm (case file)': '—', limits: '0.950 – 1.050 p.u.',
  });
  const after = busDetails(g, 1, { vm: [1.0, 0.9412, null], label: 'after outage of branch 3' });
  assert.equal(Object.fromEntries(after.rows)['Vm after outage of branch 3'], '0.9412 p.u. (below Vmin)');
  assert.equal(Object.fromEntries(busDetails(g, 2, { vm: [1, 1, null] }).rows).Vm, 'out of the main island');
  const line = branchDetails(g, 1, { pf: [61.2, -5], qf: [12.5, 1], loading: [0.624, null], label: '(AC power flow)' });
  assert.equal(line.title, 'Branch 1');
  assert.deepEqual(Object.fromEntries(line.rows), {
    ends: '1 NORTH 1 – 2 Riverside', kind: 'line', 'r / x': '0.01000 / 0.08500 p.u.', rating: '100 MVA',
    'flow (from end)': '61.2 MW, 12.5 MVAr', 'loading (AC power flow)': '62.4%',
  });
  const tx = Object.fromEntries(branchDetails(g, 2, { loading: [1, null] }).rows);
  assert.equal(tx.kind, 'transformer, tap 1.0250');
  assert.equal(tx.rating, 'unlimited');
  assert.equal(tx.loading, 'unrated');
  assert.equal(Object.fromEntries(branchDetails(g, 1, { outaged: 1, label: 'after outage of branch 1' }).rows).state, 'taken out after outage of branch 1');
});

test('bus search: the number first, then names starting with it, then names containing it', () => {
  const g = smallGraph();
  assert.deepEqual(findBuses(g, '7').map((h) => h.id), [7]);
  assert.deepEqual(findBuses(g, 'north').map((h) => h.id), [1, 7]);
  assert.deepEqual(findBuses(g, '  NORTH   1 ').map((h) => h.id), [1], 'case and spaces do not matter');
  assert.deepEqual(findBuses(g, 'side').map((h) => h.id), [2]);
  assert.deepEqual(findBuses(g, 'nowhere'), []);
  assert.deepEqual(findBuses(g, '   '), []);
  assert.equal(findBuses({ ...g, buses: Array.from({ length: 50 }, (_, i) => ({ ...g.buses[1], id: 100 + i })) }, '1', 12).length, 12);
});

test('render mode: Cytoscape below LARGE_GRID elements, the canvas engine above, ?map= forces one', () => {
  const gl = () => true, noGl = () => false;
  assert.equal(renderModeFor(LARGE_GRID - 1, '', gl), 'cytoscape');
  assert.equal(renderModeFor(LARGE_GRID, '', gl), 'canvas2d');
  assert.equal(renderModeFor(10, '?token=x&map=canvas', gl), 'canvas2d');
  assert.equal(renderModeFor(1e5, '?map=cytoscape', gl), 'cytoscape');
  assert.equal(renderModeFor(1e5, '?map=lod', gl), 'cytoscape-lod');
  assert.equal(renderModeFor(1e5, '?map=webgl', gl), 'cytoscape-webgl');
  assert.equal(renderModeFor(1e5, '?map=webgl', noGl), 'cytoscape-lod', 'no WebGL 2: the level-of-detail canvas');
});
