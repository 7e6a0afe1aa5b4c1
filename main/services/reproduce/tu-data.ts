// Reads a raw TU Dortmund folder (MUTAG, PROTEINS: X_A.txt, X_graph_indicator.txt,
// X_graph_labels.txt, X_node_labels.txt, PROTEINS' X_node_attributes.txt; the
// format is in ../shared/data/README.md) into the GIN's data. Every line is
// checked: a file that is missing, a line that is not a number, counts that do
// not agree, or an edge joining two graphs is refused with the file and line.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appRoot } from '../../paths';
import { type TuData, type TuRaw, featurise } from '../../core/learn/tu/graphs';

export type TuName = 'MUTAG' | 'PROTEINS';

export class TuDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TuDataError';
  }
}

/** ../shared/data/tu next to the repository (where the lead put the raw files). */
export function defaultTuDir(): string {
  return join(appRoot(), '..', 'shared', 'data', 'tu');
}

function lines(path: string): string[] {
  if (!existsSync(path)) throw new TuDataError(`${path}: file not found`);
  const text = readFileSync(path, 'utf8');
  const out = text.split('\n');
  if (out.length > 0 && out[out.length - 1].trim() === '') out.pop();
  return out.map((l) => l.trim());
}

function numbers(path: string, parse: (s: string) => number, what: string): number[] {
  return lines(path).map((l, k) => {
    const v = parse(l);
    if (!Number.isFinite(v) || l === '') throw new TuDataError(`${path}:${k + 1}: expected ${what}, got '${l}'`);
    return v;
  });
}

const int = (s: string) => (/^-?\d+$/.test(s) ? Number(s) : NaN);

/** Parses the folder `dir` (holding NAME_*.txt) into 0-based raw arrays, checking the counts agree. */
export function readTuRaw(dir: string, name: TuName): TuRaw {
  const f = (part: string) => join(dir, `${name}_${part}.txt`);
  const graphOf = numbers(f('graph_indicator'), int, 'a graph id');
  const graphLabels = numbers(f('graph_labels'), int, 'a graph label');
  const nodeLabels = numbers(f('node_labels'), int, 'a node label');
  const n = graphOf.length, graphs = graphLabels.length;
  if (nodeLabels.length !== n) throw new TuDataError(`${f('node_labels')}: ${nodeLabels.length} lines for ${n} nodes in ${f('graph_indicator')}`);
  for (let i = 0; i < n; i++) {
    if (graphOf[i] < 1 || graphOf[i] > graphs) throw new TuDataError(`${f('graph_indicator')}:${i + 1}: graph ${graphOf[i]} outside 1..${graphs}`);
    if (i > 0 && graphOf[i] < graphOf[i - 1]) throw new TuDataError(`${f('graph_indicator')}:${i + 1}: graph ids are not sorted`);
  }
  const edgeLines = lines(f('A'));
  const src = new Int32Array(edgeLines.length), dst = new Int32Array(edgeLines.length);
  edgeLines.forEach((l, k) => {
    const m = /^(\d+)\s*,\s*(\d+)$/.exec(l);
    if (!m) throw new TuDataError(`${f('A')}:${k + 1}: expected 'i, j', got '${l}'`);
    const a = Number(m[1]), b = Number(m[2]);
    if (a < 1 || a > n || b < 1 || b > n) throw new TuDataError(`${f('A')}:${k + 1}: node outside 1..${n} in '${l}'`);
    if (graphOf[a - 1] !== graphOf[b - 1]) throw new TuDataError(`${f('A')}:${k + 1}: edge '${l}' joins graphs ${graphOf[a - 1]} and ${graphOf[b - 1]}`);
    src[k] = a - 1;
    dst[k] = b - 1;
  });
  let nodeAttributes: Float32Array | null = null;
  if (existsSync(f('node_attributes'))) {
    const a = numbers(f('node_attributes'), (s) => (s.includes(',') ? NaN : Number(s)), 'one number');
    if (a.length !== n) throw new TuDataError(`${f('node_attributes')}: ${a.length} lines for ${n} nodes`);
    nodeAttributes = Float32Array.from(a);
  }
  return {
    name,
    graphOf: Int32Array.from(graphOf, (g) => g - 1),
    src, dst,
    graphLabels: Int32Array.from(graphLabels),
    nodeLabels: Int32Array.from(nodeLabels),
    nodeAttributes,
  };
}

/** The dataset ready for the GIN: `dir` is the folder holding MUTAG/ and PROTEINS/. */
export function loadTu(name: TuName, dir = defaultTuDir()): TuData {
  return featurise(readTuRaw(join(dir, name), name));
}
