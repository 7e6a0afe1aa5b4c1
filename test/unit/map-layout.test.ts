// The map's multilevel ForceAtlas2 layout (core/map/layout.ts): one layout
// per seed, a structure that shows (neighbours close, a lattice laid out as
// a lattice, a long chain unfolded), its progress, and its refusals.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseMatpower } from '../../main/core/grid/matpower';
import { EDGE_LENGTH, layoutGraph, layoutGraphOf, MultilevelLayout, type LayoutGraph } from '../../main/core/map/layout';


const dist = (xy: Float64Array, a: number, b: number) => Math.hypot(xy[2 * a] - xy[2 * b], xy[2 * a + 1] - xy[2 * b + 1]);

/** Mean drawn length of the edges over the mean distance of every pair of nodes (or a fixed sample of pairs). */
function edgeToPairRatio(g: LayoutGraph, xy: Float64Array): number {
  let edges = 0;
  for (let e = 0; e < g.edges.length; e += 2) edges += dist(xy, g.edges[e], g.edges[e + 1]);
  edges /= g.edges.length / 2;
  let pairs = 0, count = 0;
  const step = Math.max(1, Math.floor(g.n / 150));
  for (let a = 0; a < g.n; a += step) for (let b = a + 1; b < g.n; b += step) { pairs += dist(xy, a, b); count++; }
  return edges / (pairs / count);
}

function lattice(w: number, h: number): LayoutGraph {
  const ends: number[] = [];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    if (x + 1 < w) ends.push(y * w + x, y * w + x + 1);
    if (y + 1 < h) ends.push(y * w + x, (y + 1) * w + x);
  }
  return { n: w * h, edges: Int32Array.from(ends), root: 0 };
}

function chain(n: number): LayoutGraph {
  return { n, edges: Int32Array.from({ length: 2 * (n - 1) }, (_, k) => (k >> 1) + (k & 1)), root: 0 };
}

function caseGraph(name: string): LayoutGraph {
  return layoutGraphOf(parseMatpower(readFileSync(`/work/shared/cases/${name}.m`, 'utf8'), `${name}.m`));
}

test('one seed, one layout; another seed, another layout', () => {
  const g = caseGraph('case118');
  const a = layoutGraph(g, { seed: 7 }), b = layoutGraph(g, { seed: 7 }), c = layoutGraph(g, { seed: 8 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  // However the work is sliced (the worker runs it in slices between progress reports).
  const sliced = new MultilevelLayout(g, { seed: 7 });
  while (!sliced.step(1).done);
  assert.deepEqual(sliced.positions(), a);
  assert.equal(a.length, 2 * 118);
  assert.ok(a.every(Number.isFinite));
});

test('neighbours are drawn close: branches are short beside random pairs of buses', () => {
  for (const [name, most] of [['case118', 0.25], ['case_ACTIVSg500', 0.12]] as const) {
    const g = caseGraph(name);
    const xy = layoutGraph(g, { seed: 1 });
    const r = edgeToPairRatio(g, xy);
    assert.ok(r < most, `${name}: mean branch length is ${r.toFixed(3)} of the mean pair distance`);
  }
});

test('the median branch is EDGE_LENGTH long, the layout centred and wider than tall', () => {
  const g = caseGraph('case300');
  const xy = layoutGraph(g, { seed: 1 });
  const len = [];
  for (let e = 0; e < g.edges.length; e += 2) if (g.edges[e] !== g.edges[e + 1]) len.push(dist(xy, g.edges[e], g.edges[e + 1]));
  // Parallel branches count once in the layout's median, so allow a little.
  len.sort((a, b) => a - b);
  assert.ok(Math.abs(len[len.length >> 1] - EDGE_LENGTH) < 0.1 * EDGE_LENGTH, `median ${len[len.length >> 1]}`);
  let mx = 0, my = 0, sxx = 0, syy = 0;
  for (let i = 0; i < g.n; i++) { mx += xy[2 * i] / g.n; my += xy[2 * i + 1] / g.n; }
  for (let i = 0; i < g.n; i++) { sxx += (xy[2 * i] - mx) ** 2; syy += (xy[2 * i + 1] - my) ** 2; }
  assert.ok(Math.abs(mx) < 1e-6 && Math.abs(my) < 1e-6);
  assert.ok(sxx >= syy);
});

test('a lattice comes out as a lattice: corners far apart, each node nearest to its lattice neighbours', () => {
  const g = lattice(12, 12);
  const xy = layoutGraph(g, { seed: 3 });
  assert.ok(edgeToPairRatio(g, xy) < 0.2);
  // Opposite corners are several edge lengths apart (not folded onto each other).
  assert.ok(dist(xy, 0, 143) > 6 * EDGE_LENGTH, `corner to corner ${dist(xy, 0, 143).toFixed(0)}`);
  // For most nodes, the nearest other node is a lattice neighbour.
  const nbrs = (i: number) => [i - 1, i + 1, i - 12, i + 12].filter((j) => j >= 0 && j < 144 && (Math.abs(j - i) === 12 || Math.floor(j / 12) === Math.floor(i / 12)));
  let good = 0;
  for (let i = 0; i < 144; i++) {
    let best = -1, bd = Infinity;
    for (let j = 0; j < 144; j++) if (j !== i && dist(xy, i, j) < bd) { bd = dist(xy, i, j); best = j; }
    if (nbrs(i).includes(best)) good++;
  }
  assert.ok(good > 0.8 * 144, `${good} of 144 nodes have a lattice neighbour nearest`);
});

test('a long chain is unfolded (the multilevel start), not balled up', () => {
  const g = chain(400);
  const xy = layoutGraph(g, { seed: 1 });
  // Its ends are far apart, and buses far along the chain are far on the map.
  assert.ok(dist(xy, 0, 399) > 20 * EDGE_LENGTH, `ends ${(dist(xy, 0, 399) / EDGE_LENGTH).toFixed(1)} edges apart`);
  let near = 0, far = 0;
  for (let i = 0; i + 100 < 400; i += 7) { near += dist(xy, i, i + 2); far += dist(xy, i, i + 100); }
  assert.ok(far > 8 * near, `far ${far.toFixed(0)} near ${near.toFixed(0)}`);
});

test('progress: coarse levels first, a draft before the end, progress rising to 1', () => {
  const g = caseGraph('case_ACTIVSg2000');
  const layout = new MultilevelLayout(g, { seed: 1, fineIterations: 30, draftIterations: 10 });
  assert.ok(layout.levelCount > 3, `${layout.levelCount} levels`);
  assert.deepEqual(layout.levelSizes[0], 2000);
  assert.ok(layout.levelSizes.every((n, i) => i === 0 || n < layout.levelSizes[i - 1]));
  const seen = [];
  let s = layout.status();
  assert.equal(s.stage, 'coarse');
  assert.equal(s.level, layout.levelCount - 1);
  while (!s.done) { s = layout.step(200_000); seen.push(s); }
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i].progress >= seen[i - 1].progress);
  const draft = seen.findIndex((x) => x.draftReady);
  assert.ok(draft >= 0 && draft < seen.length - 1, 'the draft comes before the end');
  assert.equal(seen[draft].level, 0);
  assert.equal(s.progress, 1);
  assert.equal(s.stage, 'done');
  // Positions can be read at any time; the draft's and the final ones differ.
  assert.equal(layout.positions().length, 4000);
});

test('small and odd graphs: empty, one bus, no branches, islands, self-loops and parallel branches', () => {
  assert.equal(layoutGraph({ n: 0, edges: new Int32Array(0), root: -1 }, { seed: 1 }).length, 0);
  const one = layoutGraph({ n: 1, edges: new Int32Array(0), root: 0 }, { seed: 1 });
  assert.deepEqual(Array.from(one), [0, 0]);
  const loose = layoutGraph({ n: 5, edges: new Int32Array(0), root: -1 }, { seed: 1 });
  assert.ok(loose.every(Number.isFinite));
  // Two triangles not joined, a self-loop and a parallel branch.
  const g: LayoutGraph = { n: 6, edges: Int32Array.from([0, 1, 1, 2, 2, 0, 3, 4, 4, 5, 5, 3, 2, 2, 0, 1]), root: 0 };
  const xy = layoutGraph(g, { seed: 1 });
  assert.ok(xy.every(Number.isFinite));
  for (let i = 0; i < 6; i++) for (let j = i + 1; j < 6; j++) assert.ok(dist(xy, i, j) > 0, `buses ${i} and ${j} apart`);
});

test('refuses a graph it cannot lay out, saying why', () => {
  assert.throws(() => new MultilevelLayout({ n: 3, edges: Int32Array.from([0, 3]), root: 0 }, { seed: 1 }), /edge end 3 is not a bus index below 3/);
  assert.throws(() => new MultilevelLayout({ n: 3, edges: Int32Array.from([0, 1, 2]), root: 0 }, { seed: 1 }), /edges must come in pairs/);
  assert.throws(() => new MultilevelLayout({ n: -1, edges: new Int32Array(0), root: 0 }, { seed: 1 }), /bus count of at least 0/);
  assert.throws(() => new MultilevelLayout({ n: 2, edges: new Int32Array(0), root: 5 }, { seed: 1 }), /root 5 is not a bus index below 2/);
});

test('a small grid has no separate draft: its first layout is the final one', () => {
  const layout = new MultilevelLayout(caseGraph('case118'), { seed: 1 });
  let s = layout.status();
  while (!s.done) { s = layout.step(1000); assert.equal(s.draftReady, s.done); }
});
