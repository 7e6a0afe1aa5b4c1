// The TU loader on the MUTAG fixture (copied unmodified from ../shared/data/tu
// with its SOURCE.txt): the counts of ../shared/data/README.md's table, the
// files' sha256 against SOURCE.txt, one graph's labels and edges, the
// features; PROTEINS from ../shared when it is there; and each malformed
// file refused with one line naming the file and line.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userErrorLine } from '../../main/cli';
import { makeBatch } from '../../main/core/learn/tu/graphs';
import { defaultTuDir, loadTu } from '../../main/services/reproduce/tu-data';

const FIXTURES = join(__dirname, '..', 'fixtures', 'tu');

test('MUTAG: 188 graphs, 3371 nodes, 7442 directed edges, classes 125 / 63, as the data README says', () => {
  const d = loadTu('MUTAG', FIXTURES);
  assert.equal(d.graphs, 188);
  assert.equal(d.nodes, 3371);
  assert.equal(d.adjCol.length, 7442);
  assert.deepEqual(d.classValues, [-1, 1]);
  const counts = [0, 0];
  for (const y of d.labels) counts[y]++;
  assert.deepEqual(counts, [63, 125]);
  // Graph 1: 17 atoms (label 1 in the file: class index 1), 14 carbons, one N, two O.
  assert.equal(d.labels[0], 1);
  assert.equal(d.nodePtr[1], 17);
  const b = makeBatch(d, [0]);
  const atom = Array.from({ length: 17 }, (_, i) => b.x.subarray(i * 7, i * 7 + 7).indexOf(1));
  assert.deepEqual(atom, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 2]);
  // Node 1's neighbours in MUTAG_A.txt: 2 and 6 (0-based 1 and 5); features one-hot, 7 columns.
  assert.deepEqual([...d.adjCol.subarray(d.adjPtr[0], d.adjPtr[1])].sort(), [1, 5]);
  assert.equal(d.featDim, 7);
  for (let i = 0; i < d.nodes; i++) assert.equal(d.x.subarray(i * 7, i * 7 + 7).reduce((a, v) => a + v, 0), 1);
});

test("the fixture's files match the sha256 sums in its SOURCE.txt", () => {
  const source = readFileSync(join(FIXTURES, 'MUTAG', 'SOURCE.txt'), 'utf8');
  const sums = [...source.matchAll(/^\s+([0-9a-f]{64})\s+(\S+)$/gm)];
  assert.equal(sums.length, 6);
  for (const [, sum, file] of sums) assert.equal(createHash('sha256').update(readFileSync(join(FIXTURES, 'MUTAG', file))).digest('hex'), sum, file);
});

test('PROTEINS from ../shared: 1113 graphs, 43471 nodes, 162088 edges, classes 663 / 450, 3 labels + the attribute', (t) => {
  if (!existsSync(join(defaultTuDir(), 'PROTEINS'))) return t.skip('../shared/data/tu/PROTEINS is not here');
  const d = loadTu('PROTEINS');
  assert.deepEqual([d.graphs, d.nodes, d.adjCol.length, d.featDim], [1113, 43471, 162088, 4]);
  const counts = [0, 0];
  for (const y of d.labels) counts[y]++;
  assert.deepEqual(counts, [663, 450]);
  // The attribute column is standardised: mean 0, variance 1.
  let m = 0, v = 0;
  for (let i = 0; i < d.nodes; i++) m += d.x[i * 4 + 3];
  m /= d.nodes;
  for (let i = 0; i < d.nodes; i++) v += (d.x[i * 4 + 3] - m) ** 2;
  assert.ok(Math.abs(m) < 1e-4 && Math.abs(v / d.nodes - 1) < 1e-3, `mean ${m}, variance ${v / d.nodes}`);
});

test('malformed TU files are refused with one line naming the file and line, the fixture untouched', (t) => {
  const before = readFileSync(join(FIXTURES, 'MUTAG', 'MUTAG_A.txt'), 'utf8');
  const cases: [string, (dir: string) => void, RegExp][] = [
    ['a missing file', (d) => unlinkSync(join(d, 'MUTAG_node_labels.txt')), /MUTAG_node_labels\.txt: file not found$/],
    ['a word in the graph labels', (d) => edit(d, 'MUTAG_graph_labels.txt', 2, 'yes'), /MUTAG_graph_labels\.txt:3: expected a graph label, got 'yes'$/],
    ['a node label line too few', (d) => writeFileSync(join(d, 'MUTAG_node_labels.txt'), lines(d, 'MUTAG_node_labels.txt').slice(1).join('\n') + '\n'), /MUTAG_node_labels\.txt: 3370 lines for 3371 nodes/],
    ['an edge without a comma', (d) => edit(d, 'MUTAG_A.txt', 4, '5 4'), /MUTAG_A\.txt:5: expected 'i, j', got '5 4'$/],
    ['an edge to a node that does not exist', (d) => edit(d, 'MUTAG_A.txt', 0, '2, 9999'), /MUTAG_A\.txt:1: node outside 1\.\.3371/],
    ['an edge joining two graphs', (d) => edit(d, 'MUTAG_A.txt', 0, '1, 20'), /MUTAG_A\.txt:1: edge '1, 20' joins graphs 1 and 2$/],
    ['unsorted graph ids', (d) => edit(d, 'MUTAG_graph_indicator.txt', 0, '2'), /MUTAG_graph_indicator\.txt:2: graph ids are not sorted$/],
  ];
  for (const [what, breakIt, re] of cases) {
    const root = mkdtempSync(join(tmpdir(), 'gr-tu-'));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    cpSync(join(FIXTURES, 'MUTAG'), join(root, 'MUTAG'), { recursive: true });
    breakIt(join(root, 'MUTAG'));
    let err: unknown = null;
    try { loadTu('MUTAG', root); } catch (e) { err = e; }
    const line = userErrorLine(err);
    assert.ok(line !== null && re.test(line) && !line.includes('\n'), `${what}: ${line}`);
  }
  assert.equal(readFileSync(join(FIXTURES, 'MUTAG', 'MUTAG_A.txt'), 'utf8'), before);
});

function lines(dir: string, file: string): string[] {
  return readFileSync(join(dir, file), 'utf8').trimEnd().split('\n');
}
function edit(dir: string, file: string, line: number, text: string): void {
  const l = lines(dir, file);
  l[line] = text;
  writeFileSync(join(dir, file), l.join('\n') + '\n');
}
