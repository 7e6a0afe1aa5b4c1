// The generic data interface of the learning core. A dataset is one graph
// topology (nodes, undirected edges) and samples on it; a sample gives
// per-node and per-edge features, may remove edges (edgeMask 0: e.g. the
// outaged branch), and carries any of three targets: per edge, per node and
// per graph (0/1). Whoever builds the dataset (grid scenarios, synthetic
// tasks) only has to produce these objects; samples can be made lazily
// through a SampleSource.

import { LearnError } from './errors';

export interface GraphTopology {
  numNodes: number;
  /** Edge endpoints, 0-based node indices; edge e joins src[e] and dst[e]. */
  src: Int32Array;
  dst: Int32Array;
}

export interface GraphTargets {
  /** One value per edge (e.g. post-contingency loading). */
  edge?: Float32Array;
  /** One value per node (e.g. voltage magnitude). */
  node?: Float32Array;
  /** 0 or 1 (e.g. 1 = insecure). */
  graph?: number;
}

export interface GraphSample {
  /** [N x nodeFeatDim] row-major. */
  nodeFeat: Float32Array;
  /** [E x edgeFeatDim] row-major. */
  edgeFeat: Float32Array;
  /** E flags, 0 = edge absent in this sample (no messages, not pooled). */
  edgeMask?: Uint8Array;
  targets: GraphTargets;
  /**
   * Known baselines the heads predict corrections to: the edge head outputs
   * edgeOffset[e] + (learned), the node head nodeOffset[v] + (learned). For
   * N-1 the edge baseline is a physics estimate of the post-outage loading and
   * the node baseline the base-case voltage. Absent: 0.
   */
  edgeOffset?: Float32Array;
  nodeOffset?: Float32Array;
  /**
   * Limits the graph readout measures the head predictions against (margins
   * y_e - edgeLimit[e], y_v - nodeUpper[v], y_v - nodeLower[v]). For N-1:
   * the loading and voltage at which a violation counts. Absent: 0.
   */
  edgeLimit?: Float32Array;
  nodeUpper?: Float32Array;
  nodeLower?: Float32Array;
  /**
   * Which targets count in the loss (1) or not (0). Default for edges: the
   * edges present in the sample; default for nodes: all. Non-finite target
   * values never count.
   */
  targetMask?: { edge?: Uint8Array; node?: Uint8Array };
  /** Relative weight of each edge target in the regression loss (default 1). */
  edgeTargetWeight?: Float32Array;
}

export interface SampleSource {
  readonly length: number;
  get(index: number): GraphSample;
}

export function asSource(samples: readonly GraphSample[] | SampleSource): SampleSource {
  if (Array.isArray(samples)) return { length: samples.length, get: (i) => samples[i] };
  return samples as SampleSource;
}

export function checkTopology(g: GraphTopology): void {
  const N = g.numNodes, E = g.src.length;
  if (!(Number.isInteger(N) && N > 0)) throw new LearnError('bad-sample', `graph numNodes must be a positive integer, got ${N}`);
  if (g.dst.length !== E) throw new LearnError('bad-sample', `graph src has ${E} edges but dst has ${g.dst.length}`);
  for (let e = 0; e < E; e++) {
    if (g.src[e] < 0 || g.src[e] >= N || g.dst[e] < 0 || g.dst[e] >= N) {
      throw new LearnError('bad-sample', `graph edge ${e} joins ${g.src[e]} and ${g.dst[e]}, outside 0..${N - 1}`);
    }
  }
}

/** Several samples stacked block-diagonally: graph b owns nodes [b*N, (b+1)*N). */
export interface Batch {
  size: number;
  numNodes: number;
  numEdges: number;
  nodeFeat: Float32Array;
  edgeFeat: Float32Array;
  /** Per stacked edge: global endpoint indices and presence. */
  edgeSrc: Int32Array;
  edgeDst: Int32Array;
  active: Uint8Array;
  activePerGraph: Int32Array;
  /** Directed messages u -> v through edge e, two per present edge. */
  msgSrc: Int32Array;
  msgDst: Int32Array;
  msgEdge: Int32Array;
  edgeTarget: Float32Array;
  edgeTargetOn: Uint8Array;
  /** Per stacked edge target weight, null when no sample gives weights. */
  edgeTargetWeight: Float32Array | null;
  nodeTarget: Float32Array;
  nodeTargetOn: Uint8Array;
  graphTarget: Float32Array;
  graphTargetOn: Uint8Array;
  /** Stacked head baselines, null when no sample of the batch has one. */
  edgeOffset: Float32Array | null;
  nodeOffset: Float32Array | null;
  edgeLimit: Float32Array | null;
  nodeUpper: Float32Array | null;
  nodeLower: Float32Array | null;
}

export function makeBatch(graph: GraphTopology, samples: readonly GraphSample[], nodeFeatDim: number, edgeFeatDim: number): Batch {
  const B = samples.length, N = graph.numNodes, E = graph.src.length;
  if (B === 0) throw new LearnError('bad-sample', 'a batch needs at least one sample');
  const nodeFeat = new Float32Array(B * N * nodeFeatDim);
  const edgeFeat = new Float32Array(B * E * edgeFeatDim);
  const edgeSrc = new Int32Array(B * E), edgeDst = new Int32Array(B * E);
  const active = new Uint8Array(B * E);
  const activePerGraph = new Int32Array(B);
  const edgeTarget = new Float32Array(B * E), edgeTargetOn = new Uint8Array(B * E);
  const nodeTarget = new Float32Array(B * N), nodeTargetOn = new Uint8Array(B * N);
  const graphTarget = new Float32Array(B), graphTargetOn = new Uint8Array(B);
  const edgeOffset = samples.some((s) => s.edgeOffset) ? new Float32Array(B * E) : null;
  const nodeOffset = samples.some((s) => s.nodeOffset) ? new Float32Array(B * N) : null;
  const edgeLimit = samples.some((s) => s.edgeLimit) ? new Float32Array(B * E) : null;
  const nodeUpper = samples.some((s) => s.nodeUpper) ? new Float32Array(B * N) : null;
  const nodeLower = samples.some((s) => s.nodeLower) ? new Float32Array(B * N) : null;
  const edgeTargetWeight = samples.some((s) => s.edgeTargetWeight) ? new Float32Array(B * E).fill(1) : null;
  let messages = 0;
  for (let b = 0; b < B; b++) {
    const s = samples[b];
    const where = `sample ${b} of the batch`;
    if (s.nodeFeat.length !== N * nodeFeatDim) throw new LearnError('bad-sample', `${where}: nodeFeat has ${s.nodeFeat.length} values, expected ${N} nodes x ${nodeFeatDim}`);
    if (s.edgeFeat.length !== E * edgeFeatDim) throw new LearnError('bad-sample', `${where}: edgeFeat has ${s.edgeFeat.length} values, expected ${E} edges x ${edgeFeatDim}`);
    if (s.edgeMask && s.edgeMask.length !== E) throw new LearnError('bad-sample', `${where}: edgeMask has ${s.edgeMask.length} flags, expected ${E}`);
    for (const [name, a, out, n] of [['edgeOffset', s.edgeOffset, edgeOffset, E], ['nodeOffset', s.nodeOffset, nodeOffset, N], ['edgeLimit', s.edgeLimit, edgeLimit, E], ['nodeUpper', s.nodeUpper, nodeUpper, N], ['nodeLower', s.nodeLower, nodeLower, N], ['edgeTargetWeight', s.edgeTargetWeight, edgeTargetWeight, E]] as const) {
      if (!a) continue;
      if (a.length !== n) throw new LearnError('bad-sample', `${where}: ${name} has ${a.length} values, expected ${n}`);
      out!.set(a, b * n);
    }
    nodeFeat.set(s.nodeFeat, b * N * nodeFeatDim);
    edgeFeat.set(s.edgeFeat, b * E * edgeFeatDim);
    const t = s.targets ?? {};
    const tm = s.targetMask ?? {};
    if (t.edge && t.edge.length !== E) throw new LearnError('bad-sample', `${where}: edge target has ${t.edge.length} values, expected ${E}`);
    if (t.node && t.node.length !== N) throw new LearnError('bad-sample', `${where}: node target has ${t.node.length} values, expected ${N}`);
    if (tm.edge && tm.edge.length !== E) throw new LearnError('bad-sample', `${where}: edge target mask has ${tm.edge.length} flags, expected ${E}`);
    if (tm.node && tm.node.length !== N) throw new LearnError('bad-sample', `${where}: node target mask has ${tm.node.length} flags, expected ${N}`);
    for (let e = 0; e < E; e++) {
      const ge = b * E + e;
      edgeSrc[ge] = b * N + graph.src[e];
      edgeDst[ge] = b * N + graph.dst[e];
      const on = s.edgeMask ? (s.edgeMask[e] ? 1 : 0) : 1;
      active[ge] = on;
      if (on) {
        activePerGraph[b]++;
        messages += 2;
      }
      if (t.edge) {
        const use = tm.edge ? tm.edge[e] : on;
        if (use && Number.isFinite(t.edge[e])) {
          edgeTarget[ge] = t.edge[e];
          edgeTargetOn[ge] = 1;
        }
      }
    }
    if (t.node) {
      for (let v = 0; v < N; v++) {
        if ((tm.node ? tm.node[v] : 1) && Number.isFinite(t.node[v])) {
          nodeTarget[b * N + v] = t.node[v];
          nodeTargetOn[b * N + v] = 1;
        }
      }
    }
    if (t.graph !== undefined) {
      if (t.graph !== 0 && t.graph !== 1) throw new LearnError('bad-sample', `${where}: graph target must be 0 or 1, got ${t.graph}`);
      graphTarget[b] = t.graph;
      graphTargetOn[b] = 1;
    }
  }
  const msgSrc = new Int32Array(messages), msgDst = new Int32Array(messages), msgEdge = new Int32Array(messages);
  let k = 0;
  for (let ge = 0; ge < B * E; ge++) {
    if (!active[ge]) continue;
    msgSrc[k] = edgeSrc[ge];
    msgDst[k] = edgeDst[ge];
    msgEdge[k++] = ge;
    msgSrc[k] = edgeDst[ge];
    msgDst[k] = edgeSrc[ge];
    msgEdge[k++] = ge;
  }
  return {
    size: B, numNodes: N, numEdges: E, nodeFeat, edgeFeat, edgeSrc, edgeDst, active, activePerGraph,
    msgSrc, msgDst, msgEdge, edgeTarget, edgeTargetOn, nodeTarget, nodeTargetOn, graphTarget, graphTargetOn,
    edgeOffset, nodeOffset, edgeLimit, nodeUpper, nodeLower, edgeTargetWeight,
  };
}
