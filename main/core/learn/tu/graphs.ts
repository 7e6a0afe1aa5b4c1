// TU graph-classification data as the GIN reads it (issue 16): every graph's
// nodes are a contiguous block of the dataset's node ids, neighbours in one
// CSR over all nodes, and a feature row per node. A batch is a handful of
// whole graphs renumbered from 0, so message passing never crosses graphs.

import { LearnError } from '../errors';

export interface TuData {
  name: string;
  graphs: number;
  nodes: number;
  /** Node ids of graph g are nodePtr[g] .. nodePtr[g + 1]. */
  nodePtr: Int32Array;
  /** Neighbours of node i: adjCol[adjPtr[i] .. adjPtr[i + 1]) (directed entries, as listed in X_A). */
  adjPtr: Int32Array;
  adjCol: Int32Array;
  /** [nodes x featDim] row-major node features. */
  x: Float32Array;
  featDim: number;
  /** Class of each graph, 0 .. classes - 1. */
  labels: Int32Array;
  classes: number;
  /** The raw label value behind each class (e.g. MUTAG's -1 and 1). */
  classValues: number[];
}

/** What a TU folder holds, parsed but not yet featurised (0-based ids, graphs sorted). */
export interface TuRaw {
  name: string;
  /** Graph (0-based) of each node, non-decreasing. */
  graphOf: Int32Array;
  /** Directed edges, 0-based node ids. */
  src: Int32Array;
  dst: Int32Array;
  graphLabels: Int32Array;
  nodeLabels: Int32Array;
  /** One number per node (PROTEINS), or null. */
  nodeAttributes: Float32Array | null;
}

/**
 * Features: one-hot node labels (MUTAG 7 atom types, PROTEINS 3 structure
 * types), then the node attribute standardised over the dataset when there
 * is one (PROTEINS; its raw values span -538..798, too wide for sum pooling).
 * Edge labels (MUTAG's bond types) are not used, as in GIN.
 */
export function featurise(raw: TuRaw): TuData {
  const n = raw.graphOf.length;
  const graphs = raw.graphLabels.length;
  let maxLabel = 0;
  for (let i = 0; i < n; i++) {
    if (raw.nodeLabels[i] < 0) throw new LearnError('bad-sample', `${raw.name}: node ${i + 1} has negative label ${raw.nodeLabels[i]}`);
    maxLabel = Math.max(maxLabel, raw.nodeLabels[i]);
  }
  const oneHot = maxLabel + 1;
  const featDim = oneHot + (raw.nodeAttributes ? 1 : 0);
  const x = new Float32Array(n * featDim);
  for (let i = 0; i < n; i++) x[i * featDim + raw.nodeLabels[i]] = 1;
  if (raw.nodeAttributes) {
    const a = raw.nodeAttributes;
    let mean = 0;
    for (let i = 0; i < n; i++) mean += a[i];
    mean /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (a[i] - mean) ** 2;
    const sd = Math.sqrt(v / n) || 1;
    for (let i = 0; i < n; i++) x[i * featDim + oneHot] = (a[i] - mean) / sd;
  }
  const nodePtr = new Int32Array(graphs + 1);
  for (let i = 0; i < n; i++) {
    const g = raw.graphOf[i];
    if (g < 0 || g >= graphs) throw new LearnError('bad-sample', `${raw.name}: node ${i + 1} belongs to graph ${g + 1}, outside 1..${graphs}`);
    if (i > 0 && g < raw.graphOf[i - 1]) throw new LearnError('bad-sample', `${raw.name}: graph indicator is not sorted at node ${i + 1}`);
    nodePtr[g + 1]++;
  }
  for (let g = 0; g < graphs; g++) nodePtr[g + 1] += nodePtr[g];
  const adjPtr = new Int32Array(n + 1);
  for (let e = 0; e < raw.src.length; e++) {
    const s = raw.src[e], d = raw.dst[e];
    if (s < 0 || s >= n || d < 0 || d >= n) throw new LearnError('bad-sample', `${raw.name}: edge ${e + 1} (${s + 1}, ${d + 1}) names a node outside 1..${n}`);
    if (raw.graphOf[s] !== raw.graphOf[d]) throw new LearnError('bad-sample', `${raw.name}: edge ${e + 1} (${s + 1}, ${d + 1}) joins graphs ${raw.graphOf[s] + 1} and ${raw.graphOf[d] + 1}`);
    adjPtr[s + 1]++;
  }
  for (let i = 0; i < n; i++) adjPtr[i + 1] += adjPtr[i];
  const fill = adjPtr.slice(0, n);
  const adjCol = new Int32Array(raw.src.length);
  for (let e = 0; e < raw.src.length; e++) adjCol[fill[raw.src[e]]++] = raw.dst[e];
  const classValues = [...new Set(raw.graphLabels)].sort((a, b) => a - b);
  const labels = Int32Array.from(raw.graphLabels, (v) => classValues.indexOf(v));
  return { name: raw.name, graphs, nodes: n, nodePtr, adjPtr, adjCol, x, featDim, labels, classes: classValues.length, classValues };
}

/** The first `count` graphs only (tests and smoke runs). */
export function firstGraphs(d: TuData, count: number): TuData {
  if (count >= d.graphs) return d;
  const n = d.nodePtr[count];
  const e = d.adjPtr[n];
  return {
    ...d,
    graphs: count,
    nodes: n,
    nodePtr: d.nodePtr.slice(0, count + 1),
    adjPtr: d.adjPtr.slice(0, n + 1),
    adjCol: d.adjCol.slice(0, e),
    x: d.x.slice(0, n * d.featDim),
    labels: d.labels.slice(0, count),
  };
}

/** Whole graphs renumbered from 0: what one forward pass reads. */
export interface GraphBatch {
  graphs: number;
  nodes: number;
  /** Batch graph of each node. */
  graphOf: Int32Array;
  adjPtr: Int32Array;
  adjCol: Int32Array;
  x: Float32Array;
  labels: Int32Array;
}

export function makeBatch(d: TuData, ids: ArrayLike<number>): GraphBatch {
  let nodes = 0, edges = 0;
  for (let k = 0; k < ids.length; k++) {
    const g = ids[k];
    nodes += d.nodePtr[g + 1] - d.nodePtr[g];
    edges += d.adjPtr[d.nodePtr[g + 1]] - d.adjPtr[d.nodePtr[g]];
  }
  const F = d.featDim;
  const graphOf = new Int32Array(nodes), adjPtr = new Int32Array(nodes + 1), adjCol = new Int32Array(edges);
  const x = new Float32Array(nodes * F), labels = new Int32Array(ids.length);
  let v = 0, e = 0;
  for (let k = 0; k < ids.length; k++) {
    const g = ids[k], a = d.nodePtr[g], b = d.nodePtr[g + 1], shift = v - a;
    labels[k] = d.labels[g];
    x.set(d.x.subarray(a * F, b * F), v * F);
    for (let i = a; i < b; i++, v++) {
      graphOf[v] = k;
      for (let j = d.adjPtr[i]; j < d.adjPtr[i + 1]; j++) adjCol[e++] = d.adjCol[j] + shift;
      adjPtr[v + 1] = e;
    }
  }
  return { graphs: ids.length, nodes, graphOf, adjPtr, adjCol, x, labels };
}
